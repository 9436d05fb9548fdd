"""The per-service and per-link tables, by hand (whole observatory)."""

from __future__ import annotations

from collections import Counter, defaultdict

from tests.oracle.home import HomeFiles
from tests.oracle.records import Referral
from tests.oracle.territory import _hhi, _out_of_mission, _share, _top_share

# --- Per service and per link (whole observatory) -------------------------------------------

def service_indicators(home: HomeFiles, month: str, window: int) -> dict[str, dict]:
    """``service_indicators`` for the services with a referral (sent or received) in the
    window, all territories."""
    import networkx as nx

    referrals = home.all_referrals(month, window)
    edges = Counter((r.origin, r.target) for r in referrals)
    graph = nx.DiGraph()
    for (origin, target), count in edges.items():
        graph.add_edge(origin, target, count=count)
    pagerank = nx.pagerank(graph, alpha=0.85, weight="count")
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    received: dict[str, list[Referral]] = defaultdict(list)
    for r in referrals:
        received[r.target].append(r)
    rows = {}
    for service in graph.nodes:
        sent = Counter({t: n for (o, t), n in edges.items() if o == service})
        inbound = received[service]
        statuses = Counter(r.status for r in inbound)
        rows[service] = {
            "referrals_sent": sum(sent.values()),
            "referrals_received": len(inbound),
            "partners_out": len(sent),
            "partners_in": len({r.origin for r in inbound}),
            "hhi_out": _hhi(sent),
            "acceptance_rate_received": _share(statuses["accepted"],
                                               statuses["accepted"] + statuses["refused"]),
            "out_of_mission_received_rate": _share(
                sum(flag for r in inbound if (flag := _out_of_mission(home, r)) is not None),
                sum(_out_of_mission(home, r) is not None for r in inbound)),
            "pagerank": pagerank[service],
            "betweenness": betweenness[service],
        }
    return rows


def link_indicators(home: HomeFiles, month: str, window: int) -> dict[tuple[str, str], dict]:
    """``link_indicators`` for the directed pairs with a referral in the window, all
    territories. decisions.md: ``has_convention`` when a convention covered at least one of the
    link's referrals; ``top_professional_share`` over the referrals naming a professional."""
    by_pair: dict[tuple[str, str], list[Referral]] = defaultdict(list)
    for r in home.all_referrals(month, window):
        by_pair[(r.origin, r.target)].append(r)
    rows = {}
    for (origin, target), referrals in by_pair.items():
        statuses = Counter(r.status for r in referrals)
        top, named = _top_share([r.professional_id for r in referrals
                                 if r.professional_id is not None])
        rows[(origin, target)] = {
            "referrals": len(referrals),
            "accepted": statuses["accepted"],
            "refused": statuses["refused"],
            "reverse_referrals": len(by_pair.get((target, origin), [])),
            "distinct_professionals": len({r.professional_id for r in referrals
                                           if r.professional_id is not None}),
            "top_professional_share": _share(top, named),
            "has_convention": any(home.covered(r) for r in referrals),
        }
    return rows
