"""Pure indicator library of réseau: polars (and networkx) in, polars out.

It never imports dagster, dbt or duckdb, so the same functions run in a notebook on any
extract. Each module holds one concept and cites, in its docstrings, the passage of the
analyses in ``shared/seeds/`` that it measures.
"""

from reseau_metrics.concentration import hhi, origin_hhi_median, top_share
from reseau_metrics.frames import INDICATOR_COLUMNS, as_indicator, stack_levels
from reseau_metrics.mission import out_of_mission_rate
from reseau_metrics.neglect import classify_pairs, expected_solicitations, neglect_indicators
from reseau_metrics.territory import territory_indicators
from reseau_metrics.volume import distinct_count, volume
from reseau_metrics.windows import per_window, window_bounds

__all__ = [
    "INDICATOR_COLUMNS",
    "as_indicator",
    "classify_pairs",
    "distinct_count",
    "expected_solicitations",
    "hhi",
    "neglect_indicators",
    "origin_hhi_median",
    "out_of_mission_rate",
    "per_window",
    "stack_levels",
    "territory_indicators",
    "top_share",
    "volume",
    "window_bounds",
]
