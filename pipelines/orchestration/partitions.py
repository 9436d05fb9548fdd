"""Monthly partitions: indicators are computed per month (the end of each window)."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

# Far enough back for any observatory's history; a partition with no data gives zero counts
# and null ratios, never an error.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2015-01-01")


def month_span(months: Iterable[str]) -> tuple[tuple[str, str] | None, list[str]]:
    """The one range of partition keys a run covers for ``months`` (from the first to the
    last, months between included), and the months left out because they are not over
    yet. ``(None, ...)`` when no month is left."""
    last = monthly_partitions.get_last_partition_key()
    months = sorted(set(months))
    done = [month for month in months if month <= last]
    future = [month for month in months if month > last]
    return ((done[0], done[-1]) if done else None), future


def span_tags(span: tuple[str, str]) -> dict[str, str]:
    """The tags that make one run of the job cover the partition range ``span``."""
    return {"dagster/asset_partition_range_start": span[0],
            "dagster/asset_partition_range_end": span[1]}
