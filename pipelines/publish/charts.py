"""Inline SVG charts of the reports: a 12-month trend and a referral network picture.

SVG written as text, so a report is one file that opens with no script, no server and no
network. Every mark carries a ``<title>``: the browser shows it on hover, and a screen reader
reads it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from reseau.contract import SECTORS

#: One colour per sector of the data contract (colour-blind-safe palette, Okabe-Ito).
SECTOR_COLOURS = {
    "social": "#0072B2", "medico-social": "#009E73", "sante": "#D55E00",
    "justice": "#000000", "emploi-insertion": "#E69F00", "logement": "#56B4E9",
    "education": "#CC79A7", "associatif": "#999999",
}


def trend_svg(points: Sequence[tuple[date, float | None, bool]],
              text: Callable[[float], str], width: int = 240, height: int = 64) -> str:
    """A line over the months: ``(month, value, suppressed)`` in month order.

    A suppressed month is a grey cross on the baseline, a month without value a gap."""
    pad, bottom = 6, 14
    values = [value for _, value, _ in points if value is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return pad + (height - bottom - pad) * (high - value) / (high - low)

    marks, segment, lines = [], [], []
    for index, (month, value, suppressed) in enumerate(points):
        x = pad + index * step
        label = f"{month:%m/%Y}"
        if value is None:
            if len(segment) > 1:
                lines.append(segment)
            segment = []
            if suppressed:
                base = height - bottom
                marks.append(f'<path class="masked" d="M{x - 3:.1f},{base - 3:.1f}l6,6m0,-6l-6,6">'
                             f"<title>{label} : masqué (secret statistique)</title></path>")
            continue
        segment.append((x, y(value)))
        marks.append(f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="2.5">'
                     f"<title>{label} : {escape(text(value))}</title></circle>")
    if len(segment) > 1:
        lines.append(segment)
    paths = "".join(
        '<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in line) + '"/>'
        for line in lines)
    axis = (f'<text x="{pad}" y="{height - 2}">{points[0][0]:%m/%y}</text>'
            f'<text x="{width - pad}" y="{height - 2}" text-anchor="end">'
            f"{points[-1][0]:%m/%y}</text>") if points else ""
    shown = [(month, value) for month, value, _ in points if value is not None]
    summary = (f" : {escape(text(shown[0][1]))} en {shown[0][0]:%m/%Y}, "
               f"{escape(text(shown[-1][1]))} en {shown[-1][0]:%m/%Y}" if shown else
               " : aucune valeur publiée")
    return (f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="évolution sur {len(points)} mois{summary}">{paths}{"".join(marks)}'
            f"{axis}</svg>")


@dataclass(frozen=True)
class Node:
    service_id: str
    name: str
    sector: str
    inside: bool  # sits in the territory of the report


@dataclass(frozen=True)
class Edge:
    origin: str
    target: str
    referrals: int


def network_svg(nodes: Sequence[Node], edges: Sequence[Edge], width: int = 760,
                height: int = 520, labelled: int = 10) -> str:
    """Services as discs (colour: sector; hollow: outside the territory; size: referrals
    sent and received in the picture), links as arrows as thick as their referrals; the
    ``labelled`` busiest services are named."""
    import networkx as nx

    if not edges:
        return ""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(node.service_id for node in nodes))
    for edge in sorted(edges, key=lambda e: (e.origin, e.target)):
        graph.add_edge(edge.origin, edge.target, weight=math.log1p(edge.referrals))
    layout = nx.spring_layout(graph.to_undirected(), weight="weight", seed=7)
    # Room for the names written above the discs, centred on them.
    margin_x, margin_y = 150, 40
    low_x, low_y = (min(axis) for axis in zip(*layout.values(), strict=True))
    high_x, high_y = (max(axis) for axis in zip(*layout.values(), strict=True))

    def place(service_id: str) -> tuple[float, float]:
        x, y = layout[service_id]
        return (margin_x + (width - 2 * margin_x) * (x - low_x) / ((high_x - low_x) or 1.0),
                margin_y + (height - 2 * margin_y) * (y - low_y) / ((high_y - low_y) or 1.0))

    volume = dict.fromkeys(graph.nodes, 0)
    for edge in edges:
        volume[edge.origin] += edge.referrals
        volume[edge.target] += edge.referrals
    largest_volume = max(volume.values())
    largest_edge = max(edge.referrals for edge in edges)
    by_id = {node.service_id: node for node in nodes}

    def radius(service_id: str) -> float:
        return 4 + 10 * math.sqrt(volume[service_id] / largest_volume)

    arrows = []
    for edge in sorted(edges, key=lambda e: e.referrals):
        (x1, y1), (x2, y2) = place(edge.origin), place(edge.target)
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        shorten = radius(edge.target) + 3
        x2, y2 = x2 - (x2 - x1) * shorten / length, y2 - (y2 - y1) * shorten / length
        thickness = 0.6 + 3.4 * math.log1p(edge.referrals) / math.log1p(largest_edge)
        title = (f"{by_id[edge.origin].name} → {by_id[edge.target].name} : "
                 f"{edge.referrals} orientations")
        arrows.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                      f'stroke-width="{thickness:.2f}" marker-end="url(#arrow)">'
                      f"<title>{escape(title)}</title></line>")
    discs, names = [], []
    busiest = sorted(volume, key=lambda s: (-volume[s], s))[:labelled]
    for service_id in sorted(graph.nodes):
        node = by_id[service_id]
        x, y = place(service_id)
        colour = SECTOR_COLOURS.get(node.sector, "#666666")
        fill = colour if node.inside else "#ffffff"
        where = "" if node.inside else " (hors territoire)"
        title = (f"{node.name}{where}, {SECTORS.get(node.sector, node.sector)} : "
                 f"{volume[service_id]} orientations dans l'image")
        discs.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius(service_id):.1f}" '
                     f'fill="{fill}" stroke="{colour}"><title>{escape(title)}</title></circle>')
        if service_id in busiest:
            names.append(f'<text x="{x:.1f}" y="{y - radius(service_id) - 3:.1f}" '
                         f'text-anchor="middle">{escape(node.name)}</text>')
    return (f'<svg class="network" viewBox="0 0 {width} {height}" role="img" '
            'aria-label="réseau des orientations du territoire">'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
            'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            '<path d="M0,0L10,5L0,10z"/></marker>'
            f'</defs><g class="links">{"".join(arrows)}</g><g class="services">'
            f'{"".join(discs)}</g><g class="names">{"".join(names)}</g></svg>')
