"""The oracle's reading of the data contract: how words, dates, codes and statuses are read
(its own transcription of data-contract.md, independent of the product's)."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path


def normalise(text: str) -> str:
    """Aliases, names and words match ignoring case, accents, spaces and punctuation
    (data-contract.md; issue 10: ' and ’ alike)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char for char in plain.casefold() if char.isalnum())


def family(code: str) -> str:
    return code.split("--", 1)[0]


def codes_match(first: str, second: str) -> bool:
    return first == second or family(first) == second or family(second) == first


def month_index(value: str | int) -> int:
    """``YYYY-MM`` or a ``YYYY-MM-DD`` date to a month number (a month number is kept)."""
    if isinstance(value, int):
        return value
    return int(value[:4]) * 12 + int(value[5:7]) - 1


def iso_date(value: str | None) -> str:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` (data contract) to ``YYYY-MM-DD``; blank to ``''``."""
    value = (value or "").strip()
    if len(value) == 10 and value[2] == "/" and value[5] == "/":
        return f"{value[6:]}-{value[3:5]}-{value[:2]}"
    return value


def five_digits(value: str | None) -> str | None:
    """A commune code or postcode a spreadsheet wrote as a number: ``1053`` and ``1053.0``
    are ``01053`` (data-contract.md; issue 10). Other values as written (trimmed)."""
    value = (value or "").strip()
    head, _, tail = value.partition(".")
    if head.isdigit() and len(head) in (4, 5) and (not tail or set(tail) == {"0"}):
        return head.zfill(5)
    return value or None


def pseudonym(value: str | None) -> str | None:
    """decisions.md: pseudonyms are re-keyed from the trimmed value; a blank one is null."""
    value = (value or "").strip()
    return value or None


# Data contract: the statuses, and DORA's words for them (decisions.md: ignoring case and
# accents; an absent status is kept null).
STATUSES = {
    "pending": "pending", "accepted": "accepted", "refused": "refused", "expired": "expired",
    "cancelled": "cancelled", "ouverte": "pending", "validee": "accepted",
    "refusee": "refused", "expiree": "expired", "moderationencours": "pending",
    "moderationrejetee": "cancelled", "ouverteencoursdetraitement": "pending",
    "encoursdemoderation": "pending", "rejeteeparlamoderation": "cancelled",
}
#: La Poste's postcode table, shipped with réseau (data-contract.md, "Real exports").
POSTCODES = Path(__file__).parents[2] / "pipelines" / "ingest" / "data" / "postcodes" / \
    "codes_postaux_2026.csv"


def _status(value: str | None) -> str | None:
    value = normalise(value or "")
    return STATUSES[value] if value else None


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def window_days(month: str | int, window: int) -> tuple[str, str]:
    """First and last day (ISO) of the window of ``window`` months ending ``month``."""
    last = month_index(month)
    end = _month_start(last + 1) - dt.timedelta(days=1)
    return _month_start(last - window + 1).isoformat(), end.isoformat()
