"""Monthly partitions: indicators are computed per month (the end of each window)."""

from __future__ import annotations

import dagster as dg

# Far enough back for any observatory's history; a partition with no data gives zero counts
# and null ratios, never an error.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2015-01-01")
