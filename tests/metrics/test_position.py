"""Service positions and centralities on tiny canonical graphs."""

import polars as pl
import pytest

from reseau_metrics import position
from reseau_metrics.position import centrality, link_weights, service_positions


def edges(rows):
    return pl.DataFrame(rows, orient="row",
                        schema=["origin_service_id", "target_service_id", "referrals"])


def test_pagerank_of_a_symmetric_cycle_is_uniform():
    out = centrality(edges([("a", "b", 5), ("b", "a", 5)]))
    assert out["pagerank"].to_list() == pytest.approx([0.5, 0.5])
    assert out["betweenness"].to_list() == [0.0, 0.0]


def test_pagerank_follows_referral_weights():
    # a sends 9 to b and 1 to c: b ranks above c.
    out = dict(centrality(edges([("a", "b", 9), ("a", "c", 1)])).select(
        "service_id", "pagerank").rows())
    assert out["b"] > out["c"] > out["a"]
    assert sum(out.values()) == pytest.approx(1.0)


def test_star_centre_carries_every_path():
    # x→h→y for x in {a, b}, y in {c, d}: the hub is on 4 of the (5-1)(5-2) = 12 ordered pairs.
    out = dict(centrality(edges([("a", "h", 1), ("b", "h", 1), ("h", "c", 1),
                                 ("h", "d", 1)])).select("service_id", "betweenness").rows())
    assert out["h"] == pytest.approx(4 / 12)


def test_large_graphs_sample_betweenness_with_a_fixed_seed(monkeypatch):
    monkeypatch.setattr(position, "EXACT_BETWEENNESS_LIMIT", 3)
    monkeypatch.setattr(position, "SAMPLED_SOURCES", 2)
    graph = edges([("a", "b", 1), ("b", "c", 1), ("c", "d", 1)])
    first, second = centrality(graph), centrality(graph)
    assert first["betweenness_method"].unique().to_list() == ["sampled k=2"]
    assert first.equals(second)


def test_empty_graph_gives_an_empty_frame():
    assert centrality(edges([])).height == 0


def test_relabelling_services_changes_nothing():
    graph = edges([("a", "b", 3), ("b", "c", 1), ("c", "a", 2), ("a", "c", 1)])
    renamed = graph.with_columns(pl.col("origin_service_id", "target_service_id")
                                 .replace({"a": "z", "b": "y", "c": "x"}))
    original = centrality(graph).sort("pagerank")["pagerank"].to_list()
    assert centrality(renamed).sort("pagerank")["pagerank"].to_list() == pytest.approx(original)


def test_service_positions_by_hand():
    pairs = pl.DataFrame({"origin_service_id": ["a", "a", "b"],
                          "target_service_id": ["b", "c", "c"], "referrals": [3, 1, 2],
                          "accepted": [1, 0, 2], "refused": [1, 1, 0],
                          "out_of_mission": [0, 1, 0], "mission_known": [3, 1, 1]})
    rows = {r["service_id"]: r for r in service_positions(pairs).to_dicts()}
    # c receives 1 (refused, out of mission) from a and 2 (accepted) from b, one of which
    # declares no need: 1 out of mission over the 2 whose needs are known.
    assert rows["c"]["referrals_received"] == 3 and rows["c"]["partners_in"] == 2
    assert rows["c"]["acceptance_rate_received"] == pytest.approx(2 / 3)
    assert rows["c"]["out_of_mission_received_rate"] == pytest.approx(1 / 2)
    assert rows["c"]["hhi_out"] is None and rows["c"]["referrals_sent"] == 0
    # a sends 3 and 1: 0.75² + 0.25².
    assert rows["a"]["hhi_out"] == pytest.approx(0.625)


def test_link_without_named_professional_has_no_top_share():
    rows = pl.DataFrame({"origin_service_id": ["a"], "target_service_id": ["b"],
                         "status": ["pending"], "professional_key": [None],
                         "has_convention": [True], "out_of_mission": [False]},
                        schema_overrides={"professional_key": pl.String})
    link = link_weights(rows).row(0, named=True)
    assert link["top_professional_share"] is None and link["distinct_professionals"] == 0
    assert link["has_convention"] is True


def referral_rows():
    from datetime import date

    months = [date(2025, 1, 1), date(2025, 2, 1)]
    rows = [(m, o, t, "accepted", "p", False, False) for m in months
            for o, t in [("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")]]
    return pl.DataFrame(rows, orient="row", schema=[
        "month", "origin_service_id", "target_service_id", "status", "professional_key",
        "has_convention", "out_of_mission"])


def test_network_indicators_cover_every_service_month_and_window():
    from datetime import date

    services, links = position.network_indicators(referral_rows(),
                                                  [date(2025, 1, 1), date(2025, 2, 1)])
    assert services.height == 3 * 2 * 2  # 3 services, 2 months, 2 windows
    assert links.height == 4 * 2 * 2
    february = services.filter(pl.col("month") == date(2025, 2, 1),
                               pl.col("window_months") == 12, pl.col("service_id") == "a")
    assert february["referrals_sent"].item() == 4  # a→b and a→c, in both months


def test_no_referral_gives_empty_tables():
    from datetime import date

    services, links = position.network_indicators(referral_rows().clear(), [date(2025, 1, 1)])
    assert services.height == 0 and links.height == 0


def test_a_graph_of_exactly_the_limit_is_computed_exactly(monkeypatch):
    monkeypatch.setattr(position, "EXACT_BETWEENNESS_LIMIT", 3)
    out = centrality(edges([("a", "b", 1), ("b", "c", 1)]))  # 3 services: the limit
    assert out["betweenness_method"].unique().to_list() == ["exact"]


def test_a_service_that_decided_nothing_has_no_acceptance_rate():
    # b received two referrals, both still pending and neither with a declared need: no
    # rate of either kind (not 0, not a division by 0).
    pairs = pl.DataFrame({"origin_service_id": ["a"], "target_service_id": ["b"],
                          "referrals": [2], "accepted": [0], "refused": [0],
                          "out_of_mission": [0], "mission_known": [0]})
    b = service_positions(pairs).filter(pl.col("service_id") == "b").row(0, named=True)
    assert (b["acceptance_rate_received"], b["out_of_mission_received_rate"]) == (None, None)


def test_a_link_counts_its_accepted_and_refused_referrals_apart_from_the_rest():
    rows = pl.DataFrame({"origin_service_id": ["a"] * 5, "target_service_id": ["b"] * 5,
                         "status": ["accepted"] * 3 + ["refused", "pending"],
                         "professional_key": [None] * 5, "has_convention": [False] * 5,
                         "out_of_mission": [False] * 5})
    link = link_weights(rows).row(0, named=True)
    assert (link["referrals"], link["accepted"], link["refused"]) == (5, 3, 1)
