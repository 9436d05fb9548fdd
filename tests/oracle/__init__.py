"""A hand computation over a home's files, independent of the pipeline and the generator.

Plain Python (csv, dicts, loops), written from data-contract.md and indicators.md only (and,
where those are silent, the choices of docs/decisions.md, cited where used), so a test can
compare the pipeline or the generator's ground truth with it. It covers valid de-duplicated
referrals (aliases, re-delivery, territory roll-up, validity), supports, conventions, every
territory indicator of indicators.md (``territory_indicator``, ``TERRITORY_INDICATORS``), and
the per-service and per-link tables (``service_indicators``, ``link_indicators``).

Months are ``YYYY-MM`` (or any ``YYYY-MM-DD`` date of the month); a window of ``k`` months
ends with its month. Pseudonyms are kept as exported (trimmed), so compare counts and shares
with the warehouse, never key values.

Modules: ``contract`` (how the oracle reads words, dates and codes: its own transcription of
the contract, never the product's), ``records``, ``home`` (``HomeFiles``), ``territory`` (the
territory indicators), ``network`` (per service and per link).
"""

from tests.oracle.contract import codes_match, family, month_index, normalise
from tests.oracle.home import HomeFiles
from tests.oracle.network import link_indicators, service_indicators
from tests.oracle.territory import (
    TERRITORY_INDICATORS,
    expected_observed,
    hhi_targets,
    neglected_pairs,
    territory_indicator,
)

__all__ = [
    "TERRITORY_INDICATORS", "HomeFiles", "codes_match", "expected_observed", "family",
    "hhi_targets", "link_indicators", "month_index", "neglected_pairs", "normalise",
    "service_indicators", "territory_indicator",
]
