"""Every date-interval edge, by hand: a service or a convention whose dates touch a window's
first or last day is in it; one day further, it is not. (A mutation probe flipped ``>=`` to
``>`` on these lines and no test noticed.) The window is January 2025."""

from datetime import date, timedelta

import polars as pl
import pytest

from reseau_metrics.cooperation import dormant_conventions
from reseau_metrics.neglect import expected_solicitations

FIRST, LAST = date(2025, 1, 1), date(2025, 1, 31)
DAY = timedelta(days=1)
#: (start or opening, end or closing, whether it is in the window)
EDGES = [
    (None, FIRST, True),          # ends on the window's first day
    (None, FIRST - DAY, False),   # ended the day before
    (LAST, None, True),           # starts on the window's last day
    (LAST + DAY, None, False),    # starts the day after
    (FIRST, LAST, True),          # exactly the window
    (None, None, True),           # no dates: always
]


@pytest.mark.parametrize(("start", "end", "inside"), EDGES)
def test_a_convention_touching_the_window_is_active_in_it(start, end, inside):
    conventions = pl.DataFrame(
        {"convention_id": ["c1"], "service_a": ["a"], "service_b": ["b"],
         "start_date": [start], "end_date": [end]},
        schema_overrides={"start_date": pl.Date, "end_date": pl.Date})
    linked = pl.DataFrame({"origin_service_id": ["x"], "target_service_id": ["y"]})
    where = pl.DataFrame({"service_id": ["a", "b"], "territory_level": ["departement"] * 2,
                          "territory_code": ["01", "01"]})
    out = dormant_conventions(conventions, linked, where, FIRST, LAST)
    # Active and unused: dormant. Not active: not counted at all.
    assert out.select("dormant", "active").rows() == ([(1, 1)] if inside else [])


@pytest.mark.parametrize(("opened", "closed", "inside"), EDGES)
def test_a_service_open_on_a_day_of_the_window_is_expected_to_be_solicited(
        opened, closed, inside):
    # Two referrals from o for need h in commune c; a is always open, b as given (capacity 1
    # each): b open shares the expectation half and half, b closed leaves it all to a.
    groups = pl.DataFrame({"month": [FIRST], "territory_commune": ["c"],
                           "territory_departement": ["d"], "territory_region": ["r"],
                           "origin_service_id": ["o"], "need": ["h"], "referrals": [2]})
    competent = pl.DataFrame(
        {"commune": ["c", "c"], "need": ["h", "h"], "service_id": ["a", "b"],
         "capacity": [1.0, 1.0], "opened_on": [None, opened], "closed_on": [None, closed]},
        schema_overrides={"opened_on": pl.Date, "closed_on": pl.Date})
    out = expected_solicitations(groups, competent, [FIRST], (1,))
    expected = dict(out.filter(pl.col("territory_level") == "departement")
                    .select("service_id", "expected").rows())
    assert expected == ({"a": 1.0, "b": 1.0} if inside else {"a": 2.0})
