"""Hand cases that the mutation probe (tools/mutation_probe.py) showed missing: the statuses
counted by the acceptance rate, and the first month whose link stability can be compared."""

from datetime import date

import polars as pl

from reseau_metrics.territory import territory_indicators
from tests.metrics.test_partial_knowledge import JANUARY, inputs, referrals

FEBRUARY = date(2025, 2, 1)


def row(month, origin, target, status="accepted"):
    return (month, "05", "93", origin, target, "p1", "w1", status, False, False, True)


def indicator(rows, code: str, ends) -> dict[date, tuple]:
    result = territory_indicators(inputs(referrals(rows)), ends, (1,)).indicators
    chosen = result.filter((pl.col("territory_level") == "departement")
                           & (pl.col("indicator") == code)).sort("month")
    return {r["month"]: (r["value"], r["numerator"], r["denominator"])
            for r in chosen.iter_rows(named=True)}


def test_acceptance_counts_accepted_over_decided_and_leaves_pending_out():
    # 3 accepted, 1 refused, 1 pending: 3 / (3 + 1).
    rows = [row(JANUARY, "a", "b")] * 3 + [row(JANUARY, "a", "b", "refused"),
                                           row(JANUARY, "a", "b", "pending")]
    assert indicator(rows, "acceptance_rate", [JANUARY]) == {JANUARY: (0.75, 3, 4)}


def test_stability_is_compared_from_the_second_month_with_data_on():
    # January, the first month with data: a→b. February: a→b and a→c. February against
    # January: 1 pair in common out of 2; January has no window before it.
    rows = [row(JANUARY, "a", "b"), row(FEBRUARY, "a", "b"), row(FEBRUARY, "a", "c")]
    stability = indicator(rows, "link_stability", [JANUARY, FEBRUARY])
    assert stability[FEBRUARY][0] == 0.5
    assert stability[JANUARY][0] is None


def test_pseudonyms_given_as_integer_codes_give_the_indicators_of_the_pseudonyms():
    # Two people, three professionals (one not exported), over two months: persons, fragile
    # links and ruptures rest on the pseudonyms, which the pipeline reads as integer codes.
    rows = [(month, "05", "93", "a", "b", person, professional, "accepted", False, False,
             True)
            for month in (JANUARY, FEBRUARY)
            for person, professional in [("p1", "w1"), ("p2", "w1"), ("p1", "w2"),
                                         ("p2", None), ("p1", "w3")] * 2]
    named = referrals(rows)
    codes = named.with_columns(
        pl.col(key).rank("dense").cast(pl.Int32) for key in ("person_key", "professional_key"))
    assert codes.schema["person_key"] == pl.Int32 and codes["professional_key"].null_count() == 4

    def computed(frame):
        return territory_indicators(inputs(frame), [JANUARY, FEBRUARY], (1,)).indicators.sort(
            pl.all())

    assert computed(codes).equals(computed(named))
    persons = computed(codes).filter(pl.col("indicator") == "persons")
    assert set(persons["value"].to_list()) == {2.0}
