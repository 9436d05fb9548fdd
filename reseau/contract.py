"""The data contract's own vocabulary (../shared/spec/data-contract.md), read from the one
place it is written, the ``contract`` variables of ``dbt_project/dbt_project.yml``, where the
SQL reads it too (``var('contract')``); and the one way words are compared (:func:`fold`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import yaml

__all__ = [
    "DATE_FORMATS", "EXTRA_NEED_CODES", "SECTORS", "STATUSES", "STATUS_WORDS",
    "SUPPORTER_KINDS", "fold", "plain",
]

#: The dbt project (SQL, seeds, vars): where the vocabulary and the registry are written.
DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"


def _vocabulary() -> dict:
    with DBT_PROJECT_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)["vars"]["contract"]


_CONTRACT = _vocabulary()

#: Date formats of the exports, tried in order (strptime; DuckDB and polars read them alike).
DATE_FORMATS: tuple[str, ...] = tuple(_CONTRACT["date_formats"])
#: The referral statuses of the contract.
STATUSES: tuple[str, ...] = tuple(_CONTRACT["statuses"])
#: Every status word the contract accepts, folded (:func:`fold`), and the status it means.
STATUS_WORDS: dict[str, str] = dict(_CONTRACT["status_words"])
#: The kinds of informal supporters.
SUPPORTER_KINDS: tuple[str, ...] = tuple(_CONTRACT["supporter_kinds"])
#: The directory's sectors, with their French label.
SECTORS: dict[str, str] = dict(_CONTRACT["sectors"])
#: The contract's codes for needs that the data·inclusion taxonomy lacks, with their label.
EXTRA_NEED_CODES: dict[str, str] = dict(_CONTRACT["extra_need_codes"])

if not set(STATUS_WORDS.values()) <= set(STATUSES):
    raise ValueError(f"{DBT_PROJECT_FILE}: a status word means no status of the contract")


def plain(text: str) -> str:
    """``text`` in lower case without accents (``Évaluée`` is ``evaluee``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


@functools.lru_cache(maxsize=4096)  # every file's headers, every run: the same few hundred
def fold(text: str) -> str:
    """The form in which headers, status words, placeholders and aliases are compared: lower
    case, no accents, nothing but letters and digits, so ``Action préalable à l’embauche``
    (typographic apostrophe) and ``action prealable a l'embauche`` are one word. The SQL
    macro ``fold`` and :func:`pipelines.ingest.columns.fold` (polars) do the same."""
    return re.sub(r"[^a-z0-9]", "", plain(text))
