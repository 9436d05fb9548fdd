"""How each indicator's numbers read, for people: in the reports, the wide CSV and the XLSX.

One rule per kind of number (issue 13, indicators.md "Publication to funders"):

========================  ==============  ===========  ======================
kind                      example (text)  XLSX format  header unit
========================  ==============  ===========  ======================
count                     ``1 559``       ``#,##0``    the catalogue's unit
share (``part …``)        ``24,4 %``      ``0.0%``     ``%``
index (``indice …``)      ``0,0113``      3 significant digits   ``indice de 0 à 1``
``effective_targets``     ``4,2``         ``0.0``      the catalogue's unit
========================  ==============  ===========  ======================

Text is French: a narrow no-break space between thousands and before ``%``, a decimal
comma. Indices keep three significant digits whatever their size (an HHI of 0.011 and one of
0.46 are both read to the same relative precision). The XLSX keeps numbers, formatted, so
that a funder can still sort and compute; the parquet keeps full precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["NumberStyle", "french", "number_style", "significant_decimals"]

THIN = "\u202f"  # narrow no-break space: French thousands separator, and before "%"


def french(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, a decimal comma and thin spaces by thousands."""
    return f"{value:,.{decimals}f}".replace(",", THIN).replace(".", ",")


def significant_decimals(value: float, digits: int = 3) -> int:
    """Decimals that show ``value`` with ``digits`` significant digits (at least 0).

    >>> [significant_decimals(v) for v in (0.011328, 0.46, 1.0, 0.0, 123.4)]
    [4, 3, 2, 2, 0]
    """
    if value == 0 or not math.isfinite(value):
        return digits - 1
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


@dataclass(frozen=True)
class NumberStyle:
    """How one indicator's values read: as text, as an XLSX number format, in a header."""

    text: Callable[[float], str]
    excel: Callable[[float], str]
    unit: str  #: what a column header says after the label


def number_style(indicator: str, unit: str) -> NumberStyle:
    """The style of ``indicator``, whose catalogue unit is ``unit``.

    >>> [number_style(code, unit).text(value) for code, unit, value in [
    ...     ("referrals", "orientations", 1559.0),
    ...     ("top3_target_share", "part de 0 à 1", 0.24418),
    ...     ("hhi_targets", "indice de 0 à 1", 0.011328210341903516),
    ...     ("effective_targets", "services", 4.2371)]]
    ['1\\u202f559', '24,4\\u202f%', '0,0113', '4,2']
    """
    if unit.startswith("part"):
        return NumberStyle(lambda value: f"{french(100 * value, 1)}{THIN}%",
                           lambda value: "0.0%", "%")
    if unit.startswith("indice"):
        def excel(value: float) -> str:
            decimals = significant_decimals(value)
            return "0." + "0" * decimals if decimals else "0"
        return NumberStyle(lambda value: french(value, significant_decimals(value)), excel,
                           unit)
    if indicator == "effective_targets":
        return NumberStyle(lambda value: french(value, 1), lambda value: "0.0", unit)
    return NumberStyle(lambda value: french(value, 0), lambda value: "#,##0", unit)
