"""Funnel plots of the région reports: is a département's share really apart, or is it chance?

Each département of the région is a point: its share against its denominator (the cases the
share rests on). Around the région's share, the 95% and 99.8% control limits
(:func:`reseau_metrics.intervals.funnel_limits`) narrow as the denominator grows: a
département outside the 99.8% limits differs from its région more than chance would make
one in five hundred do (Spiegelhalter, 2005). Only such points are named as outliers.

Disclosure: a share's denominator is a count of people that the funder files do not
publish, and that may be a count they hide (the referrals of a département under secondary
suppression). The plot places each département at its denominator rounded to two
significant digits, and says so; the limits are drawn at the same rounded values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from pipelines.publish.numbers import french
from reseau_metrics.intervals import Z95, Z998, funnel_limits

__all__ = ["FunnelPoint", "funnel_svg", "rounded"]

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 520, 300, 56, 16, 14, 40
STEPS = 60  # points of each limit curve


@dataclass(frozen=True)
class FunnelPoint:
    code: str
    name: str
    value: float  # the share, published (not suppressed)
    denominator: float  # the cases it rests on, exact (rounded here before it is drawn)


def rounded(count: float) -> float:
    """``count`` to two significant digits: 1 234 → 1 200, 87 → 87, 12.4 → 12.

    >>> [rounded(n) for n in (1234, 87, 12.4, 0)]
    [1200.0, 87.0, 12.0, 0.0]
    """
    if count <= 0:
        return 0.0
    step = 10 ** max(0, math.floor(math.log10(count)) - 1)
    return float(round(count / step) * step)


def outliers(points: Sequence[FunnelPoint], centre: float) -> dict[str, str]:
    """Codes of the points outside the 99.8% limits: ``"au-dessus"`` or ``"en dessous"``."""
    found = {}
    for point in points:
        n = rounded(point.denominator)
        if n <= 0:
            continue
        ((low, high),) = funnel_limits(centre, [n], Z998)
        if point.value > high:
            found[point.code] = "au-dessus"
        elif point.value < low:
            found[point.code] = "en dessous"
    return found


def funnel_svg(points: Sequence[FunnelPoint], centre: float, label: str,
               text: Callable[[float], str]) -> str:
    """The funnel plot of ``points`` around the région's share ``centre``; ``""`` without
    points. ``text`` writes a share as the report does; ``label`` names the indicator."""
    points = [p for p in points if rounded(p.denominator) > 0]
    if not points or not 0 < centre < 1:
        return ""  # at 0% or 100% no share can differ by chance: nothing to plot
    most = rounded(max(rounded(p.denominator) for p in points) * 1.08)
    fewest = max(min(rounded(p.denominator) for p in points) * 0.6, 1.0)
    grid = [fewest + (most - fewest) * step / STEPS for step in range(STEPS + 1)]
    wide = funnel_limits(centre, grid, Z998)
    values = [p.value for p in points] + [centre]
    low = max(min(values + [lo for lo, _ in wide]) - 0.02, 0.0)
    high = min(max(values + [hi for _, hi in wide]) + 0.02, 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        return LEFT + plot_w * n / most

    def y(share: float) -> float:
        return TOP + plot_h * (high - share) / ((high - low) or 1.0)

    def curve(limits: list[tuple[float, float]], end: int) -> str:
        return " ".join(f"{x(n):.1f},{y(pair[end]):.1f}" for n, pair in zip(grid, limits,
                                                                           strict=True))

    narrow = funnel_limits(centre, grid, Z95)
    lines = [f'<line class="centre" x1="{x(0):.1f}" x2="{x(most):.1f}" y1="{y(centre):.1f}" '
             f'y2="{y(centre):.1f}"><title>Région : {escape(text(centre))}</title></line>']
    for limits, kind in ((narrow, "l95"), (wide, "l998")):
        for end in (0, 1):
            lines.append(f'<polyline class="{kind}" points="{curve(limits, end)}"/>')
    apart = outliers(points, centre)
    marks, taken = [], []
    for point in sorted(points, key=lambda p: (rounded(p.denominator), p.value, p.code)):
        n = rounded(point.denominator)
        # A code written where another already is moves down a line.
        label_y = y(point.value) + 3.5
        while any(abs(label_y - other_y) < 10 and abs(x(n) - other_x) < 22
                  for other_x, other_y in taken):
            label_y += 10
        taken.append((x(n), label_y))
        where = apart.get(point.code)
        note = f", {where} des limites à 99,8 %" if where else ""
        title = (f"{point.name} ({point.code}) : {text(point.value)} sur environ "
                 f"{french(n, 0)} cas{note}")
        shape = (f'<rect x="{x(n) - 4.5:.1f}" y="{y(point.value) - 4.5:.1f}" width="9" '
                 f'height="9" class="apart">' if where else
                 f'<circle cx="{x(n):.1f}" cy="{y(point.value):.1f}" r="4">')
        closing = "</rect>" if where else "</circle>"
        marks.append(f"{shape}<title>{escape(title)}</title>{closing}"
                     f'<text x="{x(n) + 7:.1f}" y="{label_y:.1f}">'
                     f"{escape(point.code)}</text>")
    # The centre's tick, unless it would sit on an end's.
    shown = [low, high] + [centre] * (min(y(low) - y(centre), y(centre) - y(high)) > 12)
    ticks = "".join(
        f'<text x="{LEFT - 6}" y="{y(v) + 3:.1f}" text-anchor="end">{escape(text(v))}</text>'
        for v in shown)
    axis = (f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>'
            f'<line class="axis" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" '
            f'y2="{TOP + plot_h}"/>{ticks}'
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
            "nombre de cas (arrondi)</text>"
            f'<text x="{LEFT}" y="{TOP + plot_h + 14}" text-anchor="middle">0</text>'
            f'<text x="{LEFT + plot_w:.1f}" y="{TOP + plot_h + 14}" text-anchor="end">'
            f"{french(most, 0)}</text>")
    summary = (", ".join(f"{p.name} ({p.code}) {apart[p.code]}" for p in points
                         if p.code in apart) or "aucun département hors des limites à 99,8 %")
    return (f'<svg class="funnel" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(label)} : graphique en entonnoir autour de la région '
            f'({escape(text(centre))}) ; {escape(summary)}">'
            f'{axis}{"".join(lines)}{"".join(marks)}</svg>')
