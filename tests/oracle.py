"""A hand computation over a home's files, independent of the pipeline and the generator.

Plain Python (csv, dicts, loops), written from data-contract.md and indicators.md only, so a
test can compare the pipeline or the generator's ground truth with it. It covers what the
generator's planted phenomena are checked with: valid de-duplicated referrals (aliases,
re-delivery, territory roll-up, validity), ``hhi_targets`` and the neglected pairs.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path


def normalise(text: str) -> str:
    """Alias matching ignores case and accents (and surrounding or repeated spaces)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def family(code: str) -> str:
    return code.split("--", 1)[0]


def codes_match(first: str, second: str) -> bool:
    return first == second or family(first) == second or family(second) == first


def month_index(value: str) -> int:
    """``YYYY-MM`` or a ``YYYY-MM-DD`` date to a month number."""
    return int(value[:4]) * 12 + int(value[5:7]) - 1


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Service:
    service_id: str
    sector: str
    commune: str
    competences: list[str]
    served_area: list[str]
    capacity: float
    opened_on: str
    closed_on: str


@dataclass
class Referral:
    origin: str
    target: str
    person_id: str
    referral_date: str
    needs: set[str]
    status: str
    professional_id: str
    territory_commune: str
    departement: str
    region: str


class HomeFiles:
    """Everything the oracle reads from one home folder."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.communes: dict[str, tuple[str, str, str]] = {}  # code -> (COM, DEP, REG)
        commune_file = next((self.root / "reference" / "territories").glob("v_commune_*.csv"))
        rows = _read(commune_file)
        for row in rows:
            if row["TYPECOM"] == "COM":
                self.communes[row["COM"]] = (row["COM"], row["DEP"], row["REG"])
        for row in rows:
            # COMD/COMA/ARM roll up to their parent; a code that is also a COM keeps the COM.
            if row["TYPECOM"] != "COM" and row["COM"] not in self.communes:
                self.communes[row["COM"]] = self.communes[row["COMPARENT"]]
        self.services = {
            row["service_id"]: Service(
                row["service_id"], row["sector"], row["commune"],
                [c for c in row["competences"].split("|") if c],
                [c for c in (row.get("served_area") or "").split("|") if c],
                float(row.get("capacity") or 1), row.get("opened_on") or "",
                row.get("closed_on") or "")
            for row in _read(self.root / "reference" / "services.csv")}
        self.aliases: dict[tuple[str, str], str] = {}
        alias_file = self.root / "reference" / "service_aliases.csv"
        if alias_file.exists():
            for row in _read(alias_file):
                self.aliases[(row["exporter_id"], normalise(row["alias"]))] = row["service_id"]
        self.referrals = self._referrals()
        self._competent: dict[tuple[str, str], list[Service]] = {}

    def resolve(self, exporter: str, written: str) -> str | None:
        if written in self.services:
            return written
        return self.aliases.get((exporter, normalise(written)))

    def serves(self, service: Service, commune: str) -> bool:
        _, dep, reg = self.communes[commune]
        area = service.served_area or [self.communes[service.commune][1]]
        return any(code in (commune, dep, "R" + reg, "france") for code in area)

    def competent(self, commune: str, need: str) -> list[Service]:
        """Services (active or not) serving ``commune`` with a competence matching ``need``."""
        key = (commune, need)
        if key not in self._competent:
            self._competent[key] = [
                s for s in self.services.values() if self.serves(s, commune)
                and any(codes_match(need, c) for c in s.competences)]
        return self._competent[key]

    def _rows(self) -> list[tuple[str, int, dict]]:
        """Rows kept after the re-delivery rule: per (exporter, month), the rows of the most
        recently delivered file holding that month."""
        kept = []
        for folder in sorted((self.root / "landing" / "referrals").iterdir()):
            by_month: dict[int, list[tuple[int, str, list[dict]]]] = defaultdict(list)
            for path in sorted(folder.iterdir()):
                delivered = os.stat(path).st_mtime_ns
                months: dict[int, list[dict]] = defaultdict(list)
                for row in _read(path):
                    months[month_index(row["referral_date"])].append(row)
                for month, rows in months.items():
                    by_month[month].append((delivered, path.name, rows))
            for deliveries in by_month.values():
                delivered, _name, rows = max(deliveries, key=lambda item: (item[0], item[1]))
                kept.extend((folder.name, delivered, row) for row in rows)
        return kept

    def _referrals(self) -> list[Referral]:
        merged: dict[tuple, dict] = {}
        for exporter, delivered, row in self._rows():
            origin = self.resolve(exporter, row["origin_service_id"])
            target = self.resolve(exporter, row["target_service_id"])
            if origin is None or target is None or origin == target:
                continue
            key = (origin, target, row["person_id"], row["referral_date"])
            rank = (exporter == target, row.get("decision_date") or "", delivered)
            copy = merged.setdefault(key, {"needs": set(), "rank": None, "status": "",
                                           "professional": "", "commune": ""})
            copy["needs"].update(n for n in row["needs"].split("|") if n)
            if copy["rank"] is None or rank > copy["rank"]:
                copy["rank"], copy["status"] = rank, row.get("status") or "pending"
            copy["professional"] = copy["professional"] or row.get("professional_id") or ""
            copy["commune"] = copy["commune"] or row.get("person_commune") or ""
        referrals = []
        for (origin, target, person, date), copy in merged.items():
            if copy["status"] == "cancelled":
                continue
            commune = copy["commune"] if copy["commune"] in self.communes \
                else self.services[origin].commune
            com, dep, reg = self.communes[commune]
            referrals.append(Referral(origin, target, person, date, copy["needs"],
                                      copy["status"], copy["professional"], com, dep, reg))
        return referrals

    def window(self, level: str, code: str, month: str, window: int) -> list[Referral]:
        """``R(T, W)``: valid referrals of territory ``code`` in the window ending ``month``."""
        last = month_index(month)
        attribute = "departement" if level == "departement" else "region"
        return [r for r in self.referrals if getattr(r, attribute) == code
                and last - window < month_index(r.referral_date) <= last]

    def active(self, service: Service, month: str, window: int) -> bool:
        """``[opened_on, closed_on]`` meets the window (empty bounds are open)."""
        last = month_index(month)
        first_day = _month_start(last - window + 1).isoformat()
        after_last = _month_start(last + 1).isoformat()
        opened = service.opened_on or "0000-01-01"
        closed = service.closed_on or "9999-12-31"
        return opened < after_last and closed >= first_day


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def hhi_targets(home: HomeFiles, level: str, code: str, month: str, window: int) -> float | None:
    """``sum_t (n_t / |R|)^2``; None when ``R`` is empty."""
    referrals = home.window(level, code, month, window)
    if not referrals:
        return None
    counts = Counter(r.target for r in referrals)
    return sum((n / len(referrals)) ** 2 for n in counts.values())


def expected_observed(home: HomeFiles, level: str, code: str, month: str, window: int):
    """``expected(s, n)`` and ``observed(s, n)`` of indicators.md, for pairs with expected > 0."""
    referrals = home.window(level, code, month, window)
    active = {s.service_id for s in home.services.values() if home.active(s, month, window)}
    # Aggregate first (indicators.md): one competent set per (origin, commune, need).
    groups = Counter((r.origin, r.territory_commune, need) for r in referrals for need in r.needs)
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for (origin, commune, need), count in groups.items():
        competent = [s for s in home.competent(commune, need)
                     if s.service_id != origin and s.service_id in active]
        total = sum(s.capacity for s in competent)
        for s in competent:
            expected[(s.service_id, need)] += count * s.capacity / total
    by_target: dict[str, list[Referral]] = defaultdict(list)
    for r in referrals:
        by_target[r.target].append(r)
    observed = {pair: sum(1 for r in by_target[pair[0]]
                          if any(codes_match(pair[1], n) for n in r.needs))
                for pair in expected}
    return dict(expected), observed


def neglected_pairs(home: HomeFiles, level: str, code: str, month: str,
                    window: int) -> set[tuple[str, str]]:
    """Pairs with expected >= 3 and observed = 0 (indicators.md, "Neglected services")."""
    expected, observed = expected_observed(home, level, code, month, window)
    return {pair for pair, value in expected.items() if value >= 3 and observed[pair] == 0}
