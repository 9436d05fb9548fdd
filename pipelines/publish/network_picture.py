"""The picture of a territory's referral network: inline SVG, no script.

Services are discs (colour: sector, Okabe-Ito; hollow: outside the territory; area: the
referrals they send and receive in the picture), links are arrows from the referring service
to the receiving one, wider and darker the more referrals they carry (two curves when two
services refer to each other). The services that refer to one another most (communities,
Louvain) are laid out together, the disconnected groups close to the rest, and the picture
fills the frame. Only the busiest services are named, where a name fits without covering
another name or a disc; every disc, name and link carries a ``<title>``, shown on hover and
read by screen readers.

Same input, same bytes: every layout step is seeded and every iteration runs in a fixed order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from reseau.contract import SECTORS

#: One colour per sector of the data contract (colour-blind-safe palette, Okabe-Ito).
SECTOR_COLOURS = {
    "social": "#0072B2", "medico-social": "#009E73", "sante": "#D55E00",
    "justice": "#000000", "emploi-insertion": "#E69F00", "logement": "#56B4E9",
    "education": "#CC79A7", "associatif": "#999999",
}
#: Names: font size (user units) and line height (share of the font size).
FONT, LINE = 10, 1.2
#: Width of characters as a share of the font size, rounded up from DejaVu Sans, the widest
#: of the usual sans-serif fonts; any other character counts as a lower-case letter.
CHAR_WIDTHS = {**dict.fromkeys("iljI.,;:'!|", 0.32), **dict.fromkeys("frt -()/", 0.45),
               **dict.fromkeys("mwMW…", 1.0), **dict.fromkeys("ABCDEFGHKNOPQRSTUVXYZ", 0.78)}
LOWER_CASE_WIDTH = 0.64
#: A name is written on at most two lines of this many characters.
LINE_CHARS = 28
SEED = 7
#: The layout: weight of the links inside a community relative to those across.
INSIDE = 4.0
#: Largest space between a service and its nearest neighbour: a small picture stays small.
LARGEST_SPACING = 110.0
LINK_COLOUR = "#3d3d3d"

Box = tuple[float, float, float, float]  # left, top, right, bottom
Point = tuple[float, float]


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


def communities(graph) -> list[list[str]]:
    """Louvain communities of the undirected weighted ``graph``, largest first, each sorted."""
    import networkx as nx

    found = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    return sorted((sorted(members) for members in found), key=lambda c: (-len(c), c[0]))


def _component(graph, members: list[str], group: dict[str, int]) -> dict[str, Point]:
    """Positions of the connected ``members`` of ``graph``, 1 apart from their nearest
    neighbour (median), their longest extent horizontal: a seeded spring layout in which each
    community (``group``) is held together, its links counting :data:`INSIDE` times and its
    services tied to a hub of their own, a point that is not drawn."""
    import networkx as nx

    if len(members) == 1:
        return {members[0]: (0.0, 0.0)}
    # Nodes and links added in sorted order: the layout depends on the order of the graph's.
    alone = nx.Graph()
    alone.add_nodes_from(members)
    links = sorted((*sorted(pair), weight)
                   for *pair, weight in graph.subgraph(members).edges(data="weight"))
    for a, b, weight in links:
        alone.add_edge(a, b, weight=weight * (INSIDE if group[a] == group[b] else 1.0))
    sizes = {number: sum(group[s] == number for s in members) for number in group.values()}
    for service in members:
        if sizes[group[service]] > 2:
            alone.add_edge(("hub", group[service]), service, weight=1.0)
    placed = nx.spring_layout(alone, weight="weight", seed=SEED, iterations=200)
    spacing = sorted(min(math.dist(placed[a], placed[b]) for b in members if b != a)
                     for a in members)
    unit = spacing[len(spacing) // 2] or 1.0
    return _turn({s: (float(placed[s][0]) / unit, float(placed[s][1]) / unit)
                  for s in members}, landscape=True)


def _turn(positions: dict[str, Point], landscape: bool) -> dict[str, Point]:
    """``positions`` around their mean, turned so that their longest extent (principal axis)
    is horizontal, or vertical if not ``landscape``."""
    mean_x = sum(x for x, _ in positions.values()) / len(positions)
    mean_y = sum(y for _, y in positions.values()) / len(positions)
    centred = {s: (x - mean_x, y - mean_y) for s, (x, y) in positions.items()}
    xx = sum(x * x for x, _ in centred.values())
    yy = sum(y * y for _, y in centred.values())
    xy = sum(x * y for x, y in centred.values())
    angle = 0.5 * math.atan2(2 * xy, xx - yy) - (0 if landscape else math.pi / 2)
    cos, sin = math.cos(angle), math.sin(angle)
    return {s: (cos * x + sin * y, cos * y - sin * x) for s, (x, y) in centred.items()}


def _nearest(points, starts, ends):
    """For each row of ``points`` (offsets x points x 2), the smallest distance from one of
    its points to the segments from ``starts`` to ``ends``."""
    import numpy as np

    along = ends - starts
    length = np.maximum((along ** 2).sum(axis=1), 1e-12)
    relative = points[:, :, None, :] - starts[None, None, :, :]
    share = np.clip((relative * along).sum(axis=3) / length, 0.0, 1.0)
    nearest = starts + share[..., None] * along
    return np.sqrt(((points[:, :, None, :] - nearest) ** 2).sum(axis=3)).min(axis=(1, 2))


def _offset(graph, positions: dict[str, Point], local: dict[str, Point], aspect: float):
    """Where to move a group (``local``: positions around its mean) among those placed
    (``positions``): of the points of a grid around them where its services and links keep
    clear of theirs, the one that keeps the picture smallest in the frame's shape (``aspect``:
    width over height), then nearest the middle: often a hole among the groups placed."""
    import numpy as np

    services = np.array(list(local.values()))
    # The group's links as points along them, its services as themselves.
    probes = np.vstack([services] + [
        np.array(local[a]) + (np.array(local[b]) - np.array(local[a])) * k / 4
        for a, b in graph.edges(local) for k in (1, 2, 3)])
    placed = np.array(list(positions.values()))
    segments = np.array([(positions[a], positions[b]) for a, b in graph.edges(positions)])
    low, high = placed.min(axis=0), placed.max(axis=0)
    reach = np.abs(probes).max(axis=0) + 1.5  # the grid's edges are clear of all
    grid = np.stack(np.meshgrid(
        np.arange(low[0] - reach[0], high[0] + reach[0] + 0.25, 0.5),
        np.arange(low[1] - reach[1], high[1] + reach[1] + 0.25, 0.5)), axis=-1).reshape(-1, 2)
    size = (np.maximum(high, grid + probes.max(axis=0))
            - np.minimum(low, grid + probes.min(axis=0)))
    cost = (np.maximum(size[:, 0] / aspect, size[:, 1])
            + 0.05 * np.hypot(*(grid - placed.mean(axis=0)).T))
    ranked = grid[np.argsort(cost, kind="stable")]
    for start in range(0, len(ranked), 64):
        tried = ranked[start:start + 64]
        moved = tried[:, None, :] + probes[None, :, :]
        apart = np.sqrt(((moved[:, :, None, :] - placed[None, None, :, :]) ** 2).sum(axis=3))
        fits = ((apart[:, :len(services)].min(axis=(1, 2)) >= 1.2)
                & (apart.min(axis=(1, 2)) >= 0.8)
                & (_nearest(moved, segments[:, 0], segments[:, 1]) >= 0.7))
        if fits.any():
            return tried[np.argmax(fits)]
    return ranked[-1]


def layout(graph, aspect: float) -> dict[str, Point]:
    """Positions of the services of the undirected weighted ``graph``: each connected group
    laid out alone (:func:`_component`), the largest in the middle, then the others, largest
    first, each where :func:`_offset` puts it."""
    import networkx as nx

    group = {s: number for number, members in enumerate(communities(graph)) for s in members}
    parts = sorted((sorted(part) for part in nx.connected_components(graph)),
                   key=lambda part: (-len(part), part[0]))
    positions = _component(graph, parts[0], group)
    for part in parts[1:]:
        local = _component(graph, part, group)
        x, y = _offset(graph, positions, local, aspect)
        positions.update({s: (float(x + a), float(y + b)) for s, (a, b) in local.items()})
    return positions


def _fit(positions: dict[str, Point], radius: dict[str, float], width: int,
         height: int) -> dict[str, Point]:
    """``positions`` scaled into the frame (each axis at most 1.5 times the other's scale, and
    at most :data:`LARGEST_SPACING`), then discs that still touch moved apart."""
    margin = max(radius.values()) + 4
    xs, ys = [x for x, _ in positions.values()], [y for _, y in positions.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    scale_x, scale_y = (width - 2 * margin) / span_x, (height - 2 * margin) / span_y
    scale = min(scale_x, scale_y)
    scale_x, scale_y = (min(scale_x, 1.5 * scale, LARGEST_SPACING),
                        min(scale_y, 1.5 * scale, LARGEST_SPACING))
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    placed = {s: [width / 2 + scale_x * (x - mid_x), height / 2 + scale_y * (y - mid_y)]
              for s, (x, y) in positions.items()}
    order = sorted(placed)
    for _ in range(50):
        for i, a in enumerate(order):
            for b in order[i + 1:]:
                dx, dy = placed[b][0] - placed[a][0], placed[b][1] - placed[a][1]
                distance = math.hypot(dx, dy) or 1e-9
                overlap = radius[a] + radius[b] + 12 - distance
                if overlap > 0:
                    for s, sign in ((a, -1), (b, 1)):
                        placed[s][0] += sign * dx / distance * overlap / 2
                        placed[s][1] += sign * dy / distance * overlap / 2
        for s, point in placed.items():
            point[0] = min(max(point[0], radius[s] + 2), width - radius[s] - 2)
            point[1] = min(max(point[1], radius[s] + 2), height - radius[s] - 2)
    return {s: (x, y) for s, (x, y) in placed.items()}


def name_lines(name: str) -> list[str]:
    """``name`` on at most two lines of :data:`LINE_CHARS` characters, the first cut at a
    space; what does not fit ends in "…"."""
    words = name.split()
    first = words.pop(0) if words else ""
    while words and len(first) + 1 + len(words[0]) <= LINE_CHARS:
        first += " " + words.pop(0)
    lines = [first, " ".join(words)] if words else [first]
    return [line if len(line) <= LINE_CHARS else line[:LINE_CHARS - 1].rstrip() + "…"
            for line in lines]


def text_width(text: str) -> float:
    """The width of ``text`` at :data:`FONT`, overestimated rather than under."""
    return FONT * sum(CHAR_WIDTHS.get(char, LOWER_CASE_WIDTH) for char in text)


def _overlaps(box: Box, other: Box) -> bool:
    return box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]


def _touches_disc(box: Box, x: float, y: float, r: float) -> bool:
    nearest_x, nearest_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return math.hypot(x - nearest_x, y - nearest_y) < r


def _ink(box: Box, links: Sequence[tuple[Point, Point, float]]) -> float:
    """How much of ``links`` (start, end, width) ``box`` covers, measured at 16 points of each."""
    covered = 0.0
    for (x1, y1), (x2, y2), width in links:
        step = math.hypot(x2 - x1, y2 - y1) / 16
        for k in range(16):
            x, y = x1 + (x2 - x1) * (k + 0.5) / 16, y1 + (y2 - y1) * (k + 0.5) / 16
            if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                covered += width * step
    return covered


def place_labels(discs: dict[str, tuple[float, float, float]], labels: dict[str, list[str]],
                 width: int, height: int, links: Sequence[tuple[Point, Point, float]] = (),
                 gap: float = 3.0) -> dict[str, tuple[str, Box]]:
    """Where each name goes: ``labels`` (service to lines, busiest first) tried above, below,
    right, left of its disc ``discs[service] = (x, y, r)``, then at its corners. Of the places
    where the name covers no name placed before and no disc and stays in the frame, the one
    that covers the least of the ``links`` (start, end, width), the first on a tie; a name
    that fits nowhere is left out. Returns the text anchor and the box of each placed name."""
    placed: dict[str, tuple[str, Box]] = {}
    # The discs' outline is 2 wide, and the names have a white halo of 3.
    obstacles = [(x, y, r + 1 + gap) for x, y, r in discs.values()]
    for service, lines in labels.items():
        x, y, r = discs[service]
        w = max(text_width(line) for line in lines)
        h = len(lines) * LINE * FONT
        d = r + 1 + gap
        side = d * 0.75
        candidates = [
            ("middle", (x - w / 2, y - d - h, x + w / 2, y - d)),
            ("middle", (x - w / 2, y + d, x + w / 2, y + d + h)),
            ("start", (x + d, y - h / 2, x + d + w, y + h / 2)),
            ("end", (x - d - w, y - h / 2, x - d, y + h / 2)),
            ("start", (x + side, y - side - h, x + side + w, y - side)),
            ("end", (x - side - w, y - side - h, x - side, y - side)),
            ("start", (x + side, y + side, x + side + w, y + side + h)),
            ("end", (x - side - w, y + side, x - side, y + side + h)),
        ]
        fitting = []
        for order, (anchor, box) in enumerate(candidates):
            halo = (box[0] - gap, box[1] - gap / 2, box[2] + gap, box[3] + gap / 2)
            if (box[0] >= 1 and box[1] >= 1 and box[2] <= width - 1 and box[3] <= height - 1
                    and not any(_overlaps(halo, other) for _, other in placed.values())
                    and not any(_touches_disc(box, *disc) for disc in obstacles)):
                fitting.append((_ink(halo, links), order, anchor, box))
        if fitting:
            _, _, anchor, box = min(fitting)
            placed[service] = (anchor, box)
    return placed


def _link(start: Point, end: Point, r_start: float, r_end: float, bend: float,
          thickness: float) -> str:
    """The path of a link from the edge of one disc to the edge of the other, curved to the
    right of its direction (control point ``bend`` times its length away, 40 at most), and
    its arrowhead, whose tip touches the target's disc."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    bend = min(bend, 40 / length)
    control = ((x1 + x2) / 2 - bend * (y2 - y1), (y1 + y2) / 2 + bend * (x2 - x1))

    def towards(point: Point, to: Point, by: float) -> Point:
        dx, dy = to[0] - point[0], to[1] - point[1]
        norm = math.hypot(dx, dy) or 1.0
        return point[0] + dx / norm * by, point[1] + dy / norm * by

    head_length, head_half = 4 + 2.5 * thickness, 2 + 1.4 * thickness
    tip = towards(end, control, r_end + 2)
    base = towards(tip, control, min(head_length, length / 3))
    origin = towards(start, control, r_start + 1)
    ux, uy = tip[0] - base[0], tip[1] - base[1]
    norm = math.hypot(ux, uy) or 1.0
    ux, uy = ux / norm, uy / norm
    left = (base[0] - uy * head_half, base[1] + ux * head_half)
    right = (base[0] + uy * head_half, base[1] - ux * head_half)
    curve = (f"Q{control[0]:.1f},{control[1]:.1f} " if bend else "L")
    return (f'<path d="M{origin[0]:.1f},{origin[1]:.1f}{curve}{base[0]:.1f},{base[1]:.1f}" '
            f'fill="none" stroke="{LINK_COLOUR}" stroke-width="{thickness:.2f}"/>'
            f'<path d="M{tip[0]:.1f},{tip[1]:.1f}L{left[0]:.1f},{left[1]:.1f}'
            f'L{right[0]:.1f},{right[1]:.1f}z"/>')


def _graph(edges: Sequence[Edge]):
    """The undirected graph of ``edges`` (weight: log of the referrals, both ways added) and
    the referrals each service sends and receives, services in sorted order."""
    import networkx as nx

    volume = dict.fromkeys(sorted({e.origin for e in edges} | {e.target for e in edges}), 0)
    graph = nx.Graph()
    graph.add_nodes_from(volume)
    for edge in sorted(edges, key=lambda e: (e.origin, e.target)):
        volume[edge.origin] += edge.referrals
        volume[edge.target] += edge.referrals
        known = graph.get_edge_data(edge.origin, edge.target, {"weight": 0.0})["weight"]
        graph.add_edge(edge.origin, edge.target, weight=known + math.log1p(edge.referrals))
    return graph, volume


def _disc(node: Node, x: float, y: float, r: float, referrals: int) -> str:
    colour = SECTOR_COLOURS.get(node.sector, "#666666")
    fill = colour if node.inside else "#ffffff"
    where = "" if node.inside else " (hors territoire)"
    title = (f"{node.name}{where}, {SECTORS.get(node.sector, node.sector)} : "
             f"{referrals} orientations dans l'image")
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{colour}">'
            f"<title>{escape(title)}</title></circle>")


def _name(name: str, anchor: str, box: Box) -> str:
    x = {"start": box[0], "middle": (box[0] + box[2]) / 2, "end": box[2]}[anchor]
    lines = "".join(f'<tspan x="{x:.1f}" y="{box[1] + (number + 0.8) * LINE * FONT:.1f}">'
                    f"{escape(line)}</tspan>" for number, line in enumerate(name_lines(name)))
    return f'<text text-anchor="{anchor}"><title>{escape(name)}</title>{lines}</text>'


def network_svg(nodes: Sequence[Node], edges: Sequence[Edge], width: int = 760,
                height: int = 520, labelled: int = 12) -> str:
    """The picture of ``edges`` between ``nodes``, at most ``labelled`` of them named (the
    busiest that fit); empty without a link."""
    edges = [edge for edge in edges if edge.origin != edge.target]
    if not edges:
        return ""
    by_id = {node.service_id: node for node in nodes}
    graph, volume = _graph(edges)
    largest = max(volume.values())
    radius = {s: 4 + 10 * math.sqrt(volume[s] / largest) for s in volume}
    place = _fit(layout(graph, width / height), radius, width, height)

    low, high = (math.log(f(e.referrals for e in edges)) for f in (min, max))
    pairs = {(e.origin, e.target) for e in edges}
    links, drawn = [], []
    for edge in sorted(edges, key=lambda e: (e.referrals, e.origin, e.target)):
        weight = (math.log(edge.referrals) - low) / (high - low) if high > low else 0.5
        thickness = 0.8 + 3.7 * weight
        title = (f"{by_id[edge.origin].name} → {by_id[edge.target].name} : "
                 f"{edge.referrals} orientations")
        links.append(f'<g class="link" opacity="{0.35 + 0.6 * weight:.2f}">'
                     f"<title>{escape(title)}</title>"
                     + _link(place[edge.origin], place[edge.target], radius[edge.origin],
                             radius[edge.target],
                             0.12 if (edge.target, edge.origin) in pairs else 0.0, thickness)
                     + "</g>")
        drawn.append((place[edge.origin], place[edge.target], thickness))
    discs = [_disc(by_id[s], *place[s], radius[s], volume[s]) for s in volume]
    busiest = sorted(volume, key=lambda s: (-volume[s], s))[:labelled]
    where = place_labels({s: (*place[s], radius[s]) for s in volume},
                         {s: name_lines(by_id[s].name) for s in busiest}, width, height, drawn)
    names = [_name(by_id[s].name, anchor, box) for s, (anchor, box) in where.items()]
    # A small picture leaves the frame's top and bottom empty: they are cut off (the curves
    # of links bulge at most 20 beyond their discs).
    top = max(0, math.floor(min([y - radius[s] for s, (_, y) in place.items()]
                                + [box[1] for _, box in where.values()]) - 24))
    bottom = min(height, math.ceil(max([y + radius[s] for s, (_, y) in place.items()]
                                       + [box[3] for _, box in where.values()]) + 24))
    heaviest = sorted(edges, key=lambda e: (-e.referrals, e.origin, e.target))[:3]
    summary = (f"réseau des orientations du territoire : {len(volume)} services, "
               f"{len(edges)} liens ; les plus fréquents : " + " ; ".join(
                   f"{by_id[e.origin].name} vers {by_id[e.target].name}, {e.referrals} "
                   "orientations" for e in heaviest))
    return (f'<svg class="network" viewBox="0 {top} {width} {bottom - top}" role="img" '
            f'aria-label="{escape(summary)}">'
            f'<g class="links" fill="{LINK_COLOUR}">{"".join(links)}</g>'
            f'<g class="services" stroke-width="2">{"".join(discs)}</g>'
            f'<g class="names" font-size="{FONT}" paint-order="stroke" stroke="#ffffff" '
            f'stroke-width="3" stroke-linejoin="round">{"".join(names)}</g></svg>')
