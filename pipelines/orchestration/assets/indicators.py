"""Indicator assets: load marts as polars frames, call ``reseau_metrics``, write results."""

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date

import dagster as dg
import polars as pl

from pipelines.orchestration.partitions import monthly_partitions
from pipelines.orchestration.resources import HomeResource
from pipelines.orchestration.warehouse import replace_months
from reseau_metrics.position import network_indicators
from reseau_metrics.territory import TerritoryInputs, territory_indicators
from reseau_metrics.windows import add_months

WINDOWS = (1, 12)
#: The facts the Great Expectations suites check with blocking checks: the indicators depend
#: on them, so that a failed check stops them (and what is published from them).
CHECKED_FACTS = [["marts", "fct_referrals"], ["marts", "fct_supports"]]
#: The models the library reads (dbt_project/models/marts/indicator_inputs, with contracts),
#: views over those facts.
INPUTS = [["indicator_inputs", name] for name in (
    "input_referrals", "input_services", "input_conventions", "input_supports",
    "input_need_groups", "input_need_observations", "input_competent_services",
    "input_territories")] + CHECKED_FACTS


#: Indicators are computed and written this many months at a time, from one read of their
#: inputs: each month's windows are frames of their own, and a backfill of years computed in
#: one call would hold them all at once. Two months cost no more time than six at 1e6 referrals
#: (29.2 s and 28.9 s for 24 months) and bound the memory at 1e7 (see docs/decisions.md).
MONTHS_AT_ONCE = 2


def partition_months(context: dg.AssetExecutionContext) -> list[date]:
    return sorted(date.fromisoformat(key) for key in context.partition_keys)


def input_span(months: list[date]) -> tuple[date, date]:
    """The months of referrals the territory indicators of ``months`` rest on: stability
    compares a window with the one before, and ruptures with the 12 months before, so two
    windows back."""
    return add_months(months[0], -(2 * max(WINDOWS) - 1)), months[-1]


def windows_span(months: list[date]) -> tuple[date, date]:
    """The months of data the windows ending in ``months`` hold: the network positions', and
    the territory indicators' but for the referrals."""
    return add_months(months[0], -(max(WINDOWS) - 1)), months[-1]


#: The referrals of the months between two parameters.
REFERRALS = "from indicator_inputs.input_referrals where month between ? and ?"


def coded(pseudonym: str) -> str:
    """A pseudonym column of :data:`REFERRALS` read as an integer code, its 64-bit hash (null
    stays null): the library only compares, counts and groups pseudonyms, and their 64
    characters are most of a referral's memory. Two of ten million pseudonyms share a hash
    with a chance below 3e-6; their ranks (``dense_rank()``, exact) took 15.5 s against 6.5 s
    for the referrals of 23 months at 1e7 (docs/decisions.md)."""
    return f"if({pseudonym} is null, null, hash({pseudonym})) as {pseudonym}"


def territory_inputs(con, months: list[date]) -> TerritoryInputs:
    """What the territory indicators of ``months`` are computed from, read from the
    warehouse (also what ``bench/profile.py`` times)."""
    def read(sql: str, *parameters) -> pl.DataFrame:
        # A fixed row order: floating-point sums give the same bits on every run.
        return con.execute(f"select * from ({sql}) order by all", list(parameters)).pl()

    def during(model: str) -> pl.DataFrame:
        # Only the referrals are compared with the windows before (stability, ruptures).
        return read(f"select * from indicator_inputs.{model} where month between ? and ?",
                    *windows_span(months))

    return TerritoryInputs(
        referrals=read(f"select * replace ({coded('person_key')}, {coded('professional_key')}) "
                       f"{REFERRALS}", *input_span(months)),
        services=read("select * from indicator_inputs.input_services"),
        conventions=read("select * from indicator_inputs.input_conventions"),
        supports=during("input_supports"),
        need_groups=during("input_need_groups"),
        observations=during("input_need_observations"),
        competent=read("select * from indicator_inputs.input_competent_services"),
        territories=read("select * from indicator_inputs.input_territories"),
        first_month=con.execute(
            "select coalesce(min(month), ?::date) from indicator_inputs.input_referrals",
            [months[0]]).fetchone()[0],
    )


def narrowed(inputs: TerritoryInputs, months: list[date]) -> TerritoryInputs:
    """``inputs`` (read for more months) with only the rows the indicators of ``months``
    rest on: what :func:`territory_inputs` would read for them, in the same order."""
    return dataclasses.replace(
        inputs, referrals=inputs.referrals.filter(pl.col("month").is_between(*input_span(months))),
        **{name: getattr(inputs, name).filter(pl.col("month").is_between(*windows_span(months)))
           for name in ("supports", "need_groups", "observations")})


def chunks(months: list[date]) -> list[list[date]]:
    """``months`` in runs of :data:`MONTHS_AT_ONCE`."""
    return [months[start:start + MONTHS_AT_ONCE]
            for start in range(0, len(months), MONTHS_AT_ONCE)]


TERRITORY_TABLES = ("indicators.territory_indicators", "indicators.neglected_pairs")


def territory_pieces(inputs: TerritoryInputs, months: list[date],
                     progress: Callable[[date], None] = lambda month: None
                     ) -> Iterator[dict[str, pl.DataFrame]]:
    """The territory indicators of ``months`` and the flagged (service, need) pairs,
    computed :data:`MONTHS_AT_ONCE` months at a time: one frame per table of
    :data:`TERRITORY_TABLES` for each run of months (also what ``bench/profile.py`` times)."""
    indicators_table, pairs_table = TERRITORY_TABLES
    for chunk in chunks(months):
        results = territory_indicators(narrowed(inputs, chunk), chunk, WINDOWS)
        yield {indicators_table: results.indicators,
               pairs_table: results.pairs.filter(results.pairs["status"].is_not_null())}
        progress(chunk[-1])


@dg.multi_asset(
    name="territory_indicator_values",
    specs=[
        dg.AssetSpec(["indicators", "territory_indicators"], group_name="indicators", deps=INPUTS,
                     kinds={"python", "polars"}, description="Long indicator values."),
        dg.AssetSpec(["indicators", "neglected_pairs"], group_name="indicators", deps=INPUTS,
                     kinds={"python", "polars"},
                     description="(service, need) pairs neglected or under-solicited."),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Territory indicators (départements and régions, windows of 1 and 12 months ending "
        "with each partition month) and the classified (service, need) pairs behind "
        "neglected_services, computed by reseau_metrics. Writes indicators.territory_indicators"
        " and indicators.neglected_pairs for the partition months."
    ),
)
def territory_indicator_values(context: dg.AssetExecutionContext, home: HomeResource):
    months = partition_months(context)
    with home.connect() as con:
        inputs = territory_inputs(con, months)
        context.log.info(
            f"indicators: {inputs.referrals.height} referrals read for {len(months)} month(s) "
            f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
        )
        written = replace_months(con, months, territory_pieces(
            inputs, months, lambda done: context.log.info(f"indicators: {done:%Y-%m} done")))
        preview = con.execute(
            f"select * from {TERRITORY_TABLES[0]} where month = ? and window_months = 12 "
            "order by all limit 12", [months[-1]]).pl()
    span = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
    yield dg.MaterializeResult(
        asset_key=["indicators", "territory_indicators"],
        metadata={"rows": written[TERRITORY_TABLES[0]], "months": span,
                  "preview": dg.MetadataValue.md(preview.to_pandas().to_markdown(index=False))},
    )
    yield dg.MaterializeResult(
        asset_key=["indicators", "neglected_pairs"],
        metadata={"rows": written[TERRITORY_TABLES[1]], "months": span},
    )


SERVICE_COLUMNS = [
    "service_id", "month", "window_months", "referrals_sent", "referrals_received",
    "partners_out", "partners_in", "hhi_out", "acceptance_rate_received",
    "out_of_mission_received_rate", "pagerank", "betweenness", "betweenness_method",
]
LINK_COLUMNS = [
    "origin_service_id", "target_service_id", "month", "window_months", "referrals",
    "accepted", "refused", "reverse_referrals", "distinct_professionals",
    "top_professional_share", "has_convention",
]


NETWORK_TABLES = ("indicators.service_indicators", "indicators.link_indicators")


def network_inputs(con, months: list[date]) -> pl.DataFrame:
    """The referrals the network positions of ``months`` are computed from (those of their
    windows), read from the warehouse."""
    # In no particular order: every value is a count, a ratio of two counts, or computed
    # from edges sorted first (reseau_metrics.position).
    return con.execute(
        "select month, origin_service_id, target_service_id, status, "
        f"{coded('professional_key')}, has_convention, out_of_mission {REFERRALS}",
        windows_span(months)).pl()


def network_pieces(referrals: pl.DataFrame, months: list[date],
                   progress: Callable[[date], None] = lambda month: None
                   ) -> Iterator[dict[str, pl.DataFrame]]:
    """Service positions and link weights for the windows ending in ``months``, computed
    :data:`MONTHS_AT_ONCE` months at a time (each month's graphs rest on its own windows):
    one frame per table of :data:`NETWORK_TABLES` for each run of months."""
    for chunk in chunks(months):
        services, links = network_indicators(
            referrals.filter(pl.col("month").is_between(*windows_span(chunk))), chunk, WINDOWS)
        yield dict(zip(NETWORK_TABLES, (services.select(SERVICE_COLUMNS),
                                        links.select(LINK_COLUMNS)), strict=True))
        progress(chunk[-1])


@dg.multi_asset(
    name="network_position_values",
    specs=[
        dg.AssetSpec(["indicators", "service_indicators"], group_name="indicators",
                     deps=[["indicator_inputs", "input_referrals"], *CHECKED_FACTS],
                     kinds={"python", "networkx"},
                     description="Per service: volumes, partners, PageRank, betweenness."),
        dg.AssetSpec(["indicators", "link_indicators"], group_name="indicators",
                     deps=[["indicator_inputs", "input_referrals"], *CHECKED_FACTS],
                     kinds={"python", "polars"},
                     description="Per directed pair: volumes, decisions, professionals."),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Each service's position in the whole observatory's referral network and each link's "
        "weight, for windows of 1 and 12 months ending with each partition month "
        "(reseau_metrics.position, networkx)."
    ),
)
def network_position_values(context: dg.AssetExecutionContext, home: HomeResource):
    months = partition_months(context)
    with home.connect() as con:
        referrals = network_inputs(con, months)
        context.log.info(f"network positions: {referrals.height} referrals, "
                         f"{len(months) * len(WINDOWS)} graphs")
        written = replace_months(con, months, network_pieces(
            referrals, months,
            lambda done: context.log.info(f"network positions: {done:%Y-%m} done")))
        methods = [method for (method,) in con.execute(
            f"select distinct betweenness_method from {NETWORK_TABLES[0]} "
            "where month between ? and ? and betweenness_method is not null order by 1",
            [months[0], months[-1]]).fetchall()]
    yield dg.MaterializeResult(asset_key=["indicators", "service_indicators"],
                               metadata={"rows": written[NETWORK_TABLES[0]],
                                         "betweenness": ", ".join(methods)})
    yield dg.MaterializeResult(asset_key=["indicators", "link_indicators"],
                               metadata={"rows": written[NETWORK_TABLES[1]]})
