"""Hand-computed cases of the Form 3 indicators."""

import polars as pl

from reseau_metrics.personal_network import fragile_links, ruptured_links


def referrals(rows, group="x"):
    """rows: (origin, target, professional or None, how many)."""
    flat = [(group, o, t, p) for o, t, p, n in rows for _ in range(n)]
    return pl.DataFrame(flat, orient="row", schema={
        "t": pl.String, "origin_service_id": pl.String, "target_service_id": pl.String,
        "professional_key": pl.String})


def test_fragile_counts_only_referrals_naming_a_professional():
    # a→b: 4 by p1 + 1 by p2 + 3 unnamed: 5 named, p1 made 4 (80%): fragile.
    # a→c: 4 by p1 + 6 unnamed: only 4 named, below 5: not counted.
    rows = referrals([("a", "b", "p1", 4), ("a", "b", "p2", 1), ("a", "b", None, 3),
                      ("a", "c", "p1", 4), ("a", "c", None, 6)])
    assert fragile_links(rows, ["t"]).select("fragile", "pairs").row(0) == (1, 1)


def test_just_under_eighty_percent_is_not_fragile():
    # 7 of 9 = 77.8%.
    rows = referrals([("a", "b", "p1", 7), ("a", "b", "p2", 2)])
    assert fragile_links(rows, ["t"])["fragile_link_share"][0] == 0.0


def test_a_group_without_qualifying_pair_is_absent_so_null():
    assert fragile_links(referrals([("a", "b", "p1", 4)]), ["t"]).height == 0


def test_rupture_needs_the_key_person_silent_and_the_pair_gone():
    before = referrals([("a", "b", "p1", 3),            # carried by p1
                        ("a", "c", "p2", 4),            # carried by p2
                        ("a", "d", "p3", 2), ("a", "d", None, 1),  # p3 2 of 3: not carried
                        ("e", "f", "p4", 3)])           # carried by p4
    during = referrals([("e", "f", "p5", 1)])           # e→f still used (by someone else)
    # p1 silent everywhere, a→b gone: ruptured. p2 still refers elsewhere: not. p4 silent but
    # e→f still alive: not.
    active = pl.Series(["p2", "p5"])
    out = ruptured_links(before, during, active, ["t"]).row(0, named=True)
    assert (out["ruptured"], out["carried"]) == (1, 3)
