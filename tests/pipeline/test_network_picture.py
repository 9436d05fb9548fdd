"""The network picture: communities together, names that never overlap, links with a
direction and a weight; the last test measures the names in Chromium."""

import os
import random
import re
import subprocess
import sys
from html import escape
from pathlib import Path

from pipelines.publish.network_picture import (
    SECTOR_COLOURS,
    Edge,
    Node,
    name_lines,
    network_svg,
    place_labels,
)
from pipelines.publish.reports import templates
from reseau.contract import SECTORS
from tests.browser import screenshot_path, watch

KINDS = [
    ("social", "Centre communal d'action sociale de {}"),
    ("sante", "Centre médico-psychologique de {}"),
    ("emploi-insertion", "Mission locale de {}"),
    ("medico-social", "Service d'accompagnement à la vie sociale de {}"),
    ("logement", "Agence du bailleur social Habitat 13 à {}"),
    ("justice", "Service pénitentiaire d'insertion et de probation de {}"),
    ("associatif", "Association d'aide alimentaire de {}"),
    ("education", "Collège Jean-Moulin de {}"),
    ("social", "Maison départementale de la solidarité de {}"),
]
TOWNS = ["Saint-Rémy-de-Provence", "Tarascon", "Châteaurenard", "Arles", "Salon-de-Provence",
         "Miramas", "Istres", "Martigues", "Aubagne", "La Ciotat", "Vitrolles", "Gardanne",
         "Saintes-Maries-de-la-Mer", "Port-Saint-Louis-du-Rhône"]


def dense() -> tuple[list[Node], list[Edge]]:
    """60 links among 40 services: three communities of 12 (many links inside, a few
    across, mutual links among them) and two pairs linked to nothing else."""
    draw = random.Random(13)
    nodes = []
    for number in range(40):
        sector, kind = KINDS[number % len(KINDS)]
        nodes.append(Node(f"S{number:02d}", kind.format(TOWNS[number % len(TOWNS)]), sector,
                          inside=number % 5 != 0))
    links: dict[tuple[str, str], int] = {}
    for community in range(3):
        members = [f"S{community * 12 + i:02d}" for i in range(12)]
        while len(links) < 16 * (community + 1):
            origin, target = draw.sample(members, 2)
            links[origin, target] = draw.choice([11, 14, 20, 35, 60, 120, 300])
    for origin, target in [("S00", "S12"), ("S13", "S24"), ("S25", "S01"), ("S05", "S30")]:
        links[origin, target] = 12
    for origin, target in [("S02", "S01"), ("S14", "S13"), ("S26", "S25")]:  # mutual
        links[origin, target] = 25
        links[target, origin] = 18
    links["S36", "S37"], links["S37", "S36"], links["S38", "S39"] = 40, 15, 22
    edges = [Edge(origin, target, count) for (origin, target), count in links.items()]
    assert len(edges) == 60, len(edges)
    return nodes, edges


def boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_names_on_a_crowded_spot_do_not_overlap_and_the_rest_are_left_out():
    # Nine discs in a tight grid, every one to be named.
    discs = {f"S{i}": (300 + 30 * (i % 3), 200 + 30 * (i // 3), 8.0) for i in range(9)}
    labels = {s: name_lines("Centre communal d'action sociale de Saint-Rémy-de-Provence")
              for s in discs}
    placed = place_labels(discs, labels, 760, 520)
    assert 0 < len(placed) < len(discs)
    boxes = [box for _, box in placed.values()]
    assert not any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    for _, (left, top, right, bottom) in placed.values():
        for x, y, r in discs.values():
            nearest = (min(max(x, left), right), min(max(y, top), bottom))
            assert (nearest[0] - x) ** 2 + (nearest[1] - y) ** 2 >= r ** 2


def test_long_names_wrap_on_two_lines_at_most():
    assert name_lines("CCAS de Arles") == ["CCAS de Arles"]
    assert name_lines("Centre communal d'action sociale de Saint-Rémy-de-Provence") == [
        "Centre communal d'action", "sociale de Saint-Rémy-de-Pr…"]
    assert all(len(line) <= 28 for line in name_lines("A" * 80 + " b"))


def test_mutual_links_are_two_distinct_curves_and_every_mark_has_a_title():
    nodes = [Node("A", "CCAS Alpha", "social", True), Node("B", "CMP Bêta", "sante", True),
             Node("C", "OPH Gamma", "logement", False)]
    svg = network_svg(nodes, [Edge("A", "B", 30), Edge("B", "A", 12), Edge("A", "C", 11)])
    links = re.findall(r'<g class="link".*?</g>', svg)
    assert len(links) == 3
    curves = re.findall(r'd="(M[^"]*Q[^"]*)"', svg)
    assert len(curves) == 2 and curves[0] != curves[1]  # A -> B and B -> A, not C's link
    assert "CCAS Alpha → CMP Bêta : 30 orientations" in svg
    assert "CMP Bêta → CCAS Alpha : 12 orientations" in svg
    # Its text alternative says what it shows, busiest links first.
    assert ('aria-label="réseau des orientations du territoire : 3 services, 3 liens ; les plus '
            "fréquents : CCAS Alpha vers CMP Bêta, 30 orientations ; CMP Bêta vers CCAS Alpha, "
            '12 orientations ; CCAS Alpha vers OPH Gamma, 11 orientations"') in svg
    # Heavier links are drawn last, wider and darker.
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"/>', svg)]
    opacities = [float(o) for o in re.findall(r'class="link" opacity="([\d.]+)"', svg)]
    assert widths == sorted(widths) and opacities == sorted(opacities)
    assert widths[0] < widths[-1]
    circles = re.findall(r"<circle [^>]*><title>([^<]*)</title></circle>", svg)
    assert len(circles) == 3 and "OPH Gamma (hors territoire)" in circles[2]
    assert 'fill="#ffffff" stroke="#56B4E9"' in svg  # outside: hollow, in its sector's colour
    # Three services: a small picture, not spread over the frame nor as tall as it.
    height = float(re.search(r'viewBox="0 [\d.]+ 760 ([\d.]+)"', svg).group(1))
    assert height < 300


def test_a_hub_is_named_and_the_small_groups_sit_beside_it():
    nodes = [Node(f"S{i:02d}", KINDS[i % 9][1].format(TOWNS[i % 14]), KINDS[i % 9][0], True)
             for i in range(27)]
    edges = [Edge("S00", f"S{i:02d}", 11 + 7 * (i % 5)) for i in range(1, 22)]
    edges += [Edge("S22", "S23", 20), Edge("S24", "S25", 12), Edge("S25", "S26", 15)]
    svg = network_svg(nodes, edges)
    assert f"<title>{escape(nodes[0].name)}</title><tspan" in svg
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert max(xs) - min(xs) > 0.8 * 760


def test_the_same_links_give_the_same_picture():
    nodes, edges = dense()
    assert network_svg(nodes, edges) == network_svg(nodes[::-1], edges[::-1])
    assert network_svg(nodes, []) == ""


def test_the_same_picture_from_one_run_to_the_next():
    """Another process, another order of its sets of strings: the same bytes."""
    program = ("import hashlib; from tests.pipeline.test_network_picture import dense; "
               "from pipelines.publish.network_picture import network_svg; "
               "print(hashlib.sha256(network_svg(*dense()).encode()).hexdigest())")
    root = Path(__file__).resolve().parents[2]
    digests = {subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=root,
        env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}).stdout
        for seed in ("1", "2")}
    assert len(digests) == 1


def test_the_dense_picture_fills_its_frame_and_names_the_busiest():
    nodes, edges = dense()
    svg = network_svg(nodes, edges)
    centres = [(float(x), float(y)) for x, y in re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', svg)]
    assert len(centres) == 40
    xs, ys = [x for x, _ in centres], [y for _, y in centres]
    assert max(xs) - min(xs) > 0.8 * 760 and max(ys) - min(ys) > 0.8 * 520
    # No wide empty band: every vertical and horizontal strip of a fifth holds a service.
    for low in range(5):
        assert any(low * 152 <= x < (low + 1) * 152 for x in xs), low
        assert any(low * 104 <= y < (low + 1) * 104 for y in ys), low
    assert 8 <= svg.count("<text ") <= 12


def test_names_do_not_overlap_in_chromium(tmp_path, browser):
    nodes, edges = dense()
    html = templates.get_template("report.html.j2").render(
        level="Département", name="Bouches-du-Rhône", code="13", month="décembre 2025",
        min_cell=11, picture_links=60, network=network_svg(nodes, edges),
        sectors=[(SECTORS[s], colour) for s, colour in SECTOR_COLOURS.items()])
    path = tmp_path / "reseau.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    watched = watch(page)
    page.goto(path.as_uri(), wait_until="load")
    page.locator("svg.network").screenshot(path=screenshot_path("network-dense"))
    assert watched.errors == [] and watched.requests == [path.as_uri()]
    names = page.eval_on_selector_all("svg.network text", """texts => texts.map(t => {
        const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; })""")
    discs = page.eval_on_selector_all("svg.network circle", """cs => cs.map(c => [
        c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value])""")
    box = page.eval_on_selector("svg.network", """svg => { const v = svg.viewBox.baseVal;
        return [v.x, v.y, v.x + v.width, v.y + v.height]; }""")
    page.close()
    assert len(names) >= 8 and len(discs) == 40
    for i, a in enumerate(names):
        assert a[0] >= box[0] and a[1] >= box[1] and a[2] <= box[2] and a[3] <= box[3], a
        for b in names[i + 1:]:
            assert not boxes_overlap(a, b), (a, b)
        for x, y, r in discs:  # no name covers a disc, its own included (outline: 1 more)
            nearest = (min(max(x, a[0]), a[2]), min(max(y, a[1]), a[3]))
            assert (nearest[0] - x) ** 2 + (nearest[1] - y) ** 2 >= (r + 1) ** 2, (a, x, y)
