"""Canonical columns of each export kind and the header synonyms that map onto them.

Headers are matched after normalisation (case, accents, spaces and punctuation ignored), so
``Date d'orientation``, ``DATE_ORIENTATION`` and ``date orientation`` are the same header.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from reseau.contract import fold


def fold_column(expression: pl.Expr) -> pl.Expr:
    """:func:`reseau.contract.fold` as a polars expression, for whole columns of values."""
    return (expression.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")
            .str.to_lowercase().str.replace_all(r"[^a-z0-9]", ""))


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    synonyms: tuple[str, ...] = ()
    pseudonym: bool = False  # re-keyed with HMAC on entry


@dataclass(frozen=True)
class ExportKind:
    """One kind of landing export: its folder under ``landing/`` and its columns."""

    name: str
    table: str  # raw.<table>, and the dbt source table of the same name
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def pseudonyms(self) -> list[str]:
        return [column.name for column in self.columns if column.pseudonym]

    def header_map(self) -> dict[str, str]:
        """Normalised header -> canonical column name."""
        return _header_map(self)


@functools.cache
def _header_map(kind: ExportKind) -> dict[str, str]:
    return {
        fold(header): column.name
        for column in kind.columns
        for header in (column.name, *column.synonyms)
    }


REFERRALS = ExportKind(
    "referrals",
    "referral_rows",
    (
        Column("referral_id", True, ("id_orientation",)),
        Column("referral_date", True, ("date_orientation", "date d'orientation")),
        Column("origin_service_id", True, ("service_orienteur",)),
        Column("target_service_id", True, ("service_destinataire",)),
        Column("person_id", True, ("id_personne",), pseudonym=True),
        # Optional since real software exports none (data-contract.md, "Real exports").
        Column("needs", False, ("besoins",)),
        Column("professional_id", False, ("id_professionnel",), pseudonym=True),
        Column("status", False, ("statut",)),
        Column("decision_date", False, ("date_decision",)),
        Column("refusal_reason", False, ("motif_refus",)),
        Column("person_commune", False, ("commune_personne",)),
        Column("person_postcode", False, ("code_postal_personne", "code_postal")),
    ),
)

SUPPORTS = ExportKind(
    "supports",
    "support_rows",
    (
        Column("support_id", True, ("id_mobilisation",)),
        Column("support_date", True, ("date_mobilisation",)),
        Column("service_id", True, ("service",)),
        Column("person_id", True, ("id_personne",), pseudonym=True),
        Column("supporter_kind", True, ("type_aidant",)),
        Column("supporter_id", True, ("id_aidant",), pseudonym=True),
        Column("person_commune", False, ("commune_personne",)),
        Column("person_postcode", False, ("code_postal_personne", "code_postal")),
    ),
)

EXPORT_KINDS = {kind.name: kind for kind in (REFERRALS, SUPPORTS)}
