"""Inline SVG chart of the reports: a 12-month trend (the network picture is
:mod:`pipelines.publish.network_picture`).

SVG written as text, so a report is one file that opens with no script, no server and no
network. Every mark carries a ``<title>``: the browser shows it on hover, and a screen reader
reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from html import escape


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
