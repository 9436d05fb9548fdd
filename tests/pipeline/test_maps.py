"""The région reports' maps: shipped outlines, colours, hatches, crop and well-formed SVG."""

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

from pipelines.publish.maps import (
    BLUES,
    GREY,
    Area,
    class_bounds,
    class_of,
    classes,
    inside,
    map_svg,
    outlines,
    ring_area,
)

COG_DEPARTEMENTS = (Path(__file__).parents[2] / "pipelines" / "ingest" / "data" / "cog"
                    / "v_departement_2026.csv")
SVG = ""  # inline in HTML, an SVG needs no namespace (and a report names no URL)
PACA_CORSE = ("04", "05", "06", "13", "83", "84", "2A", "2B")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on SVG that is not well-formed


def area(code: str, value: float | None, suppressed: bool = False) -> Area:
    text = "masqué" if suppressed else ("non calculable" if value is None else f"{value:.1f}")
    return Area(code, f"Dép. {code}", value, text, suppressed)


def fills(root: ET.Element) -> dict[str, str]:
    return {path.get("data-code"): path.get("fill") for path in root.iter(f"{SVG}path")}


def pattern(root: ET.Element, fill: str) -> ET.Element:
    wanted = fill.removeprefix("url(#").removesuffix(")")
    return next(p for p in root.iter(f"{SVG}pattern") if p.get("id") == wanted)


def test_every_metropolitan_departement_of_the_cog_has_an_outline_and_no_overseas_one():
    with COG_DEPARTEMENTS.open(encoding="utf-8") as handle:
        codes = {row["DEP"] for row in csv.DictReader(handle)}
    _, shapes = outlines()
    assert codes - set(shapes) == {"971", "972", "973", "974", "976"}
    assert set(shapes) <= codes and len(shapes) == 96


def test_the_code_is_written_inside_each_departement():
    _, shapes = outlines()
    for code, outline in shapes.items():
        ring = max(outline.rings, key=lambda r: abs(ring_area(r)))
        assert inside(ring, outline.label_point()), code


def test_paca_and_corsica_have_one_titled_path_each_and_a_legend():
    areas = [area(code, 10.0 + index) for index, code in enumerate(PACA_CORSE)]
    svg = map_svg(areas, "Part des orientations hors mission")
    root = parse(svg)
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 8
    assert [p.find(f"{SVG}title").text for p in paths][:2] == ["Dép. 04 (04) : 10.0",
                                                               "Dép. 05 (05) : 11.0"]
    assert root.get("role") == "img"
    assert root.get("aria-label").startswith("carte par département, Part des orientations")
    written = {text.text for text in root.iter(f"{SVG}text")}
    assert set(PACA_CORSE) <= written
    assert {"masqué (secret statistique)", "non calculable", "10,0 – 11,4"} <= written


def test_masked_areas_are_hatched_and_areas_without_value_grey():
    svg = map_svg([area("13", 12.0), area("83", None, suppressed=True), area("84", None)],
                  "indicateur")
    root = parse(svg)
    fill = fills(root)
    assert fill["13"] in BLUES
    hatch = pattern(root, fill["83"])
    assert hatch.get("patternTransform") == "rotate(45)"
    assert {rect.get("fill") for rect in hatch.iter(f"{SVG}rect")} == {"#ffffff", "#737373"}
    dots = pattern(root, fill["84"])
    assert dots.find(f"{SVG}rect").get("fill") == GREY
    assert fill["83"] != fill["84"]


def test_territories_that_are_not_french_ones_have_no_map():
    assert map_svg([area("D1", 1.0), area("R9", 2.0)], "indicateur") == ""
    assert map_svg([], "indicateur") == ""
    only_real = parse(map_svg([area("D1", 1.0), area("13", 2.0)], "indicateur"))
    assert list(fills(only_real)) == ["13"]


def test_classes_run_from_the_lightest_for_the_lowest_to_the_darkest_for_the_highest():
    bounds = class_bounds([10.0, 50.0, 30.0, 18.0])
    assert bounds == [10.0, 18.0, 26.0, 34.0, 42.0, 50.0]
    assert [class_of(v, bounds) for v in (10.0, 17.9, 18.0, 30.0, 49.9, 50.0)] == [0, 0, 1, 2,
                                                                                   4, 4]
    assert class_of(7.0, class_bounds([7.0, 7.0])) == 2 and class_bounds([]) == []
    root = parse(map_svg([area("04", 10.0), area("05", 50.0), area("06", 30.0)], "x"))
    assert fills(root) == {"04": BLUES[0], "05": BLUES[-1], "06": BLUES[2]}


def test_the_map_is_cropped_to_its_departements_inside_the_frame():
    (fx, fy, fw, fh), shapes = outlines()
    root = parse(map_svg([area(code, 1.0) for code in PACA_CORSE], "indicateur"))
    drawing = root.find(f"{SVG}svg")
    x, y, w, h = (float(n) for n in drawing.get("viewBox").split())
    assert fx <= x and fy <= y and x + w <= fx + fw and y + h <= fy + fh
    assert w < fw / 2 and h < fh / 2
    for code in PACA_CORSE:
        bx, by, bw, bh = shapes[code].box()
        assert x <= bx and y <= by and bx + bw <= x + w and by + bh <= y + h


def test_several_maps_on_one_page_have_their_own_pattern_ids():
    areas = [area("13", 1.0), area("83", None, suppressed=True)]
    ids = [{p.get("id") for p in parse(map_svg(areas, label)).iter(f"{SVG}pattern")}
           for label in ("un", "deux")]
    assert len(ids[0]) == 4 and not ids[0] & ids[1]
    chosen = parse(map_svg(areas, "un", id_prefix="carte-3"))
    assert fills(chosen)["83"] == "url(#carte-3-masked)"


def test_a_few_whole_numbers_get_a_class_each():
    colour_of, keys = classes([0.0, 2.0, 1.0, 0.0], lambda value: f"{value:.0f}")
    assert keys == [(BLUES[0], "0"), (BLUES[2], "1"), (BLUES[4], "2")]
    assert colour_of(2.0) == BLUES[-1]
