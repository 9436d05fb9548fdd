"""How generated values are written: ids, pseudonyms, dates, need lists, communes, aliases.

Every column is built by looking integer codes up in a small table of strings (polars
``gather``), which keeps a million-row export compact: fixed-width numpy strings would take
gigabytes. A ``None`` in a table is an empty cell.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from reseau_synthetic.directory import Directory
from reseau_synthetic.names import strip_accents
from reseau_synthetic.needs import NeedCatalogue
from reseau_synthetic.people import linkage_pseudonym
from reseau_synthetic.people import name as person_name
from reseau_synthetic.records import OUT_OF_MISSION_REASON, REFUSAL_REASONS, pseudonyms
from reseau_synthetic.territory import Territory

# How exporters call their partners in their own software (old names included: France
# Travail was "Pôle emploi" until 2024).
_SHORT_NAMES = {
    "eds": "Espace Solidarités", "mission-locale": "Mission Locale",
    "france-travail": "Pôle Emploi",
    "cmp": "CMP", "ccas": "CCAS", "siao": "SIAO 115", "caf": "Caf", "ase": "ASE",
    "chrs": "CHRS", "cidff": "CIDFF", "france-services": "Maison France Services",
    "centre-social": "Centre Social", "secours": "Secours Pop", "greta": "Gréta",
    "chantier": "ACI", "udaf": "UDAF", "pass": "PASS Hôpital", "savs": "SAVS",
}
WORKERS = 7919  # workers' names start further in the list than persons'
_LOCALITIES = ("Nord", "Sud", "Est", "Ouest", "Centre", "Vallée", "Plateau", "Pôle Émeraude")


def lookup(table: list[str | None], index: np.ndarray, name: str) -> pl.Series:
    """``table[index]`` as a polars string column; ``index`` -1 gives an empty cell."""
    series = pl.Series(name, [*table, None], dtype=pl.String)
    return series.gather(np.where(index < 0, len(table), index))


class Texts:
    """Lookup tables from generated indices to the strings written in files."""

    def __init__(self, rng, territory: Territory, directory: Directory,
                 catalogue: NeedCatalogue, aliases: dict[int, list[int]], n_persons: int,
                 n_professionals: int, first_day: int, last_day: int, key: bytes):
        self.service_ids = list(directory.ids)
        self.service_names = list(directory.names)
        # Every export of a person carries the regional pseudonym of their name (people.py).
        self.persons = [linkage_pseudonym(key, "person", *person_name(i)) for i in range(n_persons)]
        self.professional_ids = [linkage_pseudonym(key, "worker", *person_name(WORKERS + j))
                                 for j in range(max(n_professionals, 1))]
        self.first_day = first_day
        self.date_table = [dt.date.fromordinal(day).isoformat()
                           for day in range(first_day, last_day + 1)]
        codes = list(catalogue.codes)
        # Need lists: first need * (n + 1) + second need + 1 (0: no second need).
        self.need_table = [first + ("" if second is None else "|" + second)
                           for first in codes for second in [None, *codes]]
        self.n_needs = len(codes)
        n_communes = len(territory.commune_codes)
        subordinate = list(territory.commune_codes)
        for _typecom, code, parent in territory.subordinates:
            subordinate[parent] = code
        unknown = [territory.unknown_codes[d] for d in territory.commune_dep]
        # Person commune, by kind: the commune, (empty), an unknown code, a déléguée's code.
        self.commune_table = [*territory.commune_codes, *unknown, *subordinate]
        self.commune_offsets = np.array([0, -1, n_communes, 2 * n_communes])
        # A commune's main postcode (La Poste): what les emplois exports instead of it.
        self.postcode_table = [codes[0] if codes else None for codes in territory.postcodes]
        self.alias_names: dict[int, dict[int, str]] = {}
        for exporter, partners in aliases.items():
            names = {}
            for k, partner in enumerate(partners):
                kind = directory.kinds[partner]
                short = _SHORT_NAMES.get(kind, " ".join(directory.names[partner].split()[:2]))
                names[partner] = f"{short} {_LOCALITIES[(exporter + 3 * k) % len(_LOCALITIES)]}"
            self.alias_names[exporter] = names

    def alias_rows(self) -> list[tuple[str, str, str]]:
        """Rows of ``service_aliases.csv``: ``(exporter_id, alias, service_id)``."""
        return [(self.service_ids[e], alias, self.service_ids[p])
                for e, names in sorted(self.alias_names.items())
                for p, alias in sorted(names.items())]

    def dates(self, days: np.ndarray, name: str) -> pl.Series:
        return lookup(self.date_table, np.where(days < 0, -1, days - self.first_day), name)

    def services(self, service: np.ndarray, name: str) -> pl.Series:
        return lookup(self.service_ids, service, name)

    def partner(self, exporter: np.ndarray, service: np.ndarray, rng, name: str) -> pl.Series:
        """Service ids as the exporter writes them: an alias, in varied case and accents,
        for the partners it knows by a local name."""
        table = list(self.service_ids)
        index = service.copy()
        variant = rng.integers(0, 4, size=len(service))
        for e, names in self.alias_names.items():
            for partner, alias in names.items():
                rows = (exporter == e) & (service == partner)
                index[rows] = len(table) + variant[rows]
                table += [alias, alias.upper(), strip_accents(alias), strip_accents(alias).lower()]
        return lookup(table, index, name)

    def needs(self, need1: np.ndarray, need2: np.ndarray, name: str) -> pl.Series:
        return lookup(self.need_table, need1 * (self.n_needs + 1) + need2 + 1, name)

    def persons_of(self, person: np.ndarray, name: str) -> pl.Series:
        return lookup(self.persons, person, name)

    def professionals(self, professional: np.ndarray, name: str) -> pl.Series:
        return lookup(self.professional_ids, professional, name)

    def reasons(self, reason: np.ndarray, name: str) -> pl.Series:
        table = [*REFUSAL_REASONS, OUT_OF_MISSION_REASON]
        return lookup(table, np.where(reason == -2, len(REFUSAL_REASONS), reason), name)

    def communes(self, commune: np.ndarray, kind: np.ndarray, name: str) -> pl.Series:
        """person_commune: the commune, empty, an unknown code, or a déléguée's code."""
        return lookup(self.commune_table,
                      np.where(kind == 1, -1, self.commune_offsets[kind] + commune), name)

    def postcodes(self, commune: np.ndarray, kind: np.ndarray, name: str) -> pl.Series:
        """person_postcode: the postcode of the person's commune (a commune déléguée's is
        its parent's), empty when no commune is known."""
        return lookup(self.postcode_table, np.where((kind == 0) | (kind == 3), commune, -1),
                      name)

    def numbered(self, prefix: pl.Series, sequence: np.ndarray, name: str) -> pl.Series:
        """``<prefix><sequence on 6 digits>``: referral and support ids."""
        return (prefix + pl.Series(sequence).cast(pl.String).str.zfill(6)).alias(name)

    def spare_persons(self, rng, count: int) -> list[str]:
        """Pseudonyms of persons that appear nowhere else (rows entered by mistake)."""
        taken = set(self.persons)
        spare = [p for p in pseudonyms(rng, count * 4 + 8, "P-").tolist() if p not in taken]
        return spare[:count]
