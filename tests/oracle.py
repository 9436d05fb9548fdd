"""A hand computation over a home's files, independent of the pipeline and the generator.

Plain Python (csv, dicts, loops), written from data-contract.md and indicators.md only (and,
where those are silent, the choices of docs/decisions.md, cited where used), so a test can
compare the pipeline or the generator's ground truth with it. It covers valid de-duplicated
referrals (aliases, re-delivery, territory roll-up, validity), supports, conventions, every
territory indicator of indicators.md (``territory_indicator``, ``TERRITORY_INDICATORS``), and
the per-service and per-link tables (``service_indicators``, ``link_indicators``).

Months are ``YYYY-MM`` (or any ``YYYY-MM-DD`` date of the month); a window of ``k`` months
ends with its month. Pseudonyms are kept as exported (trimmed), so compare counts and shares
with the warehouse, never key values.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import os
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
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
POSTCODES = Path(__file__).parents[1] / "pipelines" / "ingest" / "data" / "postcodes" / \
    "codes_postaux_2026.csv"


def _status(value: str | None) -> str | None:
    value = normalise(value or "")
    return STATUSES[value] if value else None


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
    needs: set[str]  # declared, else the target's only competence, else none
    declared: bool  # needs were declared by a copy of the referral
    status: str | None
    professional_id: str | None
    territory_commune: str | None  # None: the postcode's communes agree on a wider level
    departement: str | None
    region: str


@dataclass
class Support:
    exporter: str
    support_id: str
    support_date: str
    service_id: str
    person_id: str | None
    supporter_kind: str
    supporter_id: str | None
    territory_commune: str
    departement: str
    region: str


@dataclass
class Convention:
    convention_id: str
    service_a: str
    service_b: str
    start_date: str
    end_date: str

    def active_on(self, date: str) -> bool:
        """Active from ``start_date`` to ``end_date`` included; an empty bound is open."""
        return (self.start_date or "0000-01-01") <= date <= (self.end_date or "9999-12-31")

    def meets(self, first_day: str, last_day: str) -> bool:
        return (self.start_date or "0000-01-01") <= last_day and \
            (self.end_date or "9999-12-31") >= first_day


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
                float(row.get("capacity") or 1), iso_date(row.get("opened_on")),
                iso_date(row.get("closed_on")))
            for row in _read(self.root / "reference" / "services.csv")}
        self.aliases: dict[tuple[str, str], str] = {}
        alias_file = self.root / "reference" / "service_aliases.csv"
        if alias_file.exists():
            for row in _read(alias_file):
                scope = (row["exporter_id"] or "").strip() or "*"
                self.aliases[(scope, normalise(row["alias"]))] = row["service_id"]
        # issue 10: a service may also be named by its directory name, when no other
        # service has the same name.
        names = Counter(normalise(row["name"]) for row in _read(
            self.root / "reference" / "services.csv"))
        self.names = {normalise(row["name"]): row["service_id"]
                      for row in _read(self.root / "reference" / "services.csv")
                      if names[normalise(row["name"])] == 1}
        # A postcode places a person at the lowest level on which all its communes agree.
        postcode_communes: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        unknown: set[str] = set()  # a postcode with a commune the COG lacks places nothing
        for row in _read(POSTCODES):
            if row["code_commune_insee"] in self.communes:
                postcode_communes[row["code_postal"]].add(
                    self.communes[row["code_commune_insee"]])
            else:
                unknown.add(row["code_postal"])
        self.postcodes: dict[str, tuple[str | None, str | None, str]] = {}
        for postcode, places in postcode_communes.items():
            communes, deps, regions = ({place[k] for place in places} for k in range(3))
            if len(regions) == 1 and postcode not in unknown:
                self.postcodes[postcode] = (
                    next(iter(communes)) if len(communes) == 1 else None,
                    next(iter(deps)) if len(deps) == 1 else None, next(iter(regions)))
        self.conventions: list[Convention] = []
        convention_file = self.root / "reference" / "conventions.csv"
        if convention_file.exists():
            self.conventions = [
                Convention(row["convention_id"], row["service_a"], row["service_b"],
                           iso_date(row.get("start_date")), iso_date(row.get("end_date")))
                for row in _read(convention_file)]
        self._conventions_by_pair: dict[frozenset, list[Convention]] = defaultdict(list)
        for convention in self.conventions:
            pair = frozenset((convention.service_a, convention.service_b))
            self._conventions_by_pair[pair].append(convention)
        self.referrals = self._referrals()
        self.supports = self._supports()
        self._competent: dict[tuple[str, str], list[Service]] = {}
        self._matching: dict[str, list[Service]] = {}
        self._referrals_by_month: dict[int, list[Referral]] = defaultdict(list)
        for referral in self.referrals:
            self._referrals_by_month[month_index(referral.referral_date)].append(referral)
        self._supports_by_month: dict[int, list[Support]] = defaultdict(list)
        for support in self.supports:
            self._supports_by_month[month_index(support.support_date)].append(support)
        self.cache: dict[tuple, object] = {}

    def resolve(self, exporter: str, written: str) -> str | None:
        """A directory id, else this exporter's alias, else an alias for every exporter,
        else a directory name no other service has."""
        written = (written or "").strip()
        if written in self.services:
            return written
        folded = normalise(written)
        return self.aliases.get((exporter, folded)) or self.aliases.get(("*", folded)) or \
            self.names.get(folded)

    def serves(self, service: Service, commune: str) -> bool:
        _, dep, reg = self.communes[commune]
        area = service.served_area or [self.communes[service.commune][1]]
        return any(code in (commune, dep, "R" + reg, "france") for code in area)

    def competent(self, commune: str, need: str) -> list[Service]:
        """Services (active or not) serving ``commune`` with a competence matching ``need``."""
        key = (commune, need)
        if key not in self._competent:
            if need not in self._matching:
                self._matching[need] = [s for s in self.services.values()
                                        if any(codes_match(need, c) for c in s.competences)]
            self._competent[key] = [s for s in self._matching[need] if self.serves(s, commune)]
        return self._competent[key]

    def sits_in(self, service_id: str, level: str, code: str) -> bool:
        """The service's own commune lies in territory ``code`` of ``level``."""
        service = self.services.get(service_id)
        place = self.communes.get(service.commune) if service else None
        return place is not None and place[1 if level == "departement" else 2] == code

    def conventions_between(self, first: str, second: str) -> list[Convention]:
        """A convention covers both directions between its two services."""
        return self._conventions_by_pair.get(frozenset((first, second)), [])

    def covered(self, referral: Referral) -> bool:
        """A convention between the two services was active on ``referral_date``."""
        return any(c.active_on(referral.referral_date)
                   for c in self.conventions_between(referral.origin, referral.target))

    def delivered_rows(self, kind: str, date_column: str) -> list[tuple[str, tuple, dict]]:
        """Rows kept after the re-delivery rule: per (exporter, month), the rows of the most
        recently delivered file holding that month. decisions.md: delivery order is the file's
        modification time, ties broken by path; a file whose bytes were already loaded is
        skipped; a re-delivery counts for a month only through rows with a valid date."""
        landing = self.root / "landing" / kind
        if not landing.exists():
            return []
        files = sorted((os.stat(path).st_mtime_ns, str(path), path)
                       for folder in landing.iterdir() if folder.is_dir()
                       for path in folder.iterdir() if path.is_file())
        seen: set[str] = set()
        by_month: dict[tuple[str, int], list[tuple[tuple, list[dict]]]] = defaultdict(list)
        for delivered, name, path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            months: dict[int, list[dict]] = defaultdict(list)
            for row in _read(path):
                date = iso_date(row.get(date_column))
                if date:
                    row[date_column] = date
                    months[month_index(date)].append(row)
            for month, rows in months.items():
                by_month[(path.parent.name, month)].append(((delivered, name), rows))
        kept = []
        for (exporter, _month), deliveries in by_month.items():
            delivered, rows = max(deliveries, key=lambda item: item[0])
            kept.extend((exporter, delivered, row) for row in rows)
        return kept

    def _territory(self, commune: str | None, postcode: str | None,
                   origin: str) -> tuple[str | None, str | None, str]:
        """``person_commune`` when a known COG commune, else what the communes of
        ``person_postcode`` agree on, else the origin service's commune."""
        if commune in self.communes:
            return self.communes[commune]
        if postcode in self.postcodes:
            return self.postcodes[postcode]
        return self.communes[self.services[origin].commune]

    def _referrals(self) -> list[Referral]:
        merged: dict[tuple, list[tuple[tuple, str, dict]]] = defaultdict(list)
        for exporter, delivered, row in self.delivered_rows("referrals", "referral_date"):
            origin = self.resolve(exporter, row["origin_service_id"])
            target = self.resolve(exporter, row["target_service_id"])
            person = pseudonym(row["person_id"])
            if origin is None or target is None or origin == target or person is None:
                continue
            key = (origin, target, person, row["referral_date"])
            # The status exported by the target wins, else the latest decision_date, else
            # the copy delivered last.
            rank = (exporter == target, iso_date(row.get("decision_date")), delivered)
            merged[key].append((rank, exporter, row))
        referrals = []
        for (origin, target, person, date), copies in merged.items():
            copies.sort(key=lambda item: item[0], reverse=True)
            winner = copies[0][2]
            status = _status(winner.get("status"))
            if status == "cancelled":
                continue
            needs = {n.strip() for _, _, row in copies
                     for n in (row.get("needs") or "").split("|") if n.strip()}
            declared = bool(needs)
            # No need declared: the target's competence when it has exactly one.
            competences = self.services[target].competences
            if not needs and len(competences) == 1:
                needs = set(competences)
            # decisions.md: the winner gives the person commune (any copy's when the winner
            # has none); the professional comes from the origin's own copy when it names
            # one (the referring worker belongs to the origin), else from the other copies.
            commune = next((five_digits(row["person_commune"]) for _, _, row in copies
                            if (row.get("person_commune") or "").strip()), None)
            postcode = next((five_digits(row["person_postcode"]) for _, _, row in copies
                             if (row.get("person_postcode") or "").strip()), None)
            origin_copies = [row for _, exporter, row in copies if exporter == origin]
            professional = next(
                (pseudonym(row.get("professional_id")) for row in origin_copies + [
                    row for _, _, row in copies] if pseudonym(row.get("professional_id"))),
                None)
            com, dep, reg = self._territory(commune, postcode, origin)
            referrals.append(Referral(origin, target, person, date, needs, declared, status,
                                      professional, com, dep, reg))
        return referrals

    def _supports(self) -> list[Support]:
        # decisions.md: rows of one exporter with the same support_id are one support, the
        # last delivered wins.
        latest: dict[tuple[str, str], tuple[tuple, dict]] = {}
        for exporter, delivered, row in self.delivered_rows("supports", "support_date"):
            key = (exporter, row["support_id"].strip())
            if key not in latest or delivered >= latest[key][0]:
                latest[key] = (delivered, row)
        supports = []
        for (exporter, support_id), (_, row) in latest.items():
            service = self.resolve(exporter, row["service_id"])
            if service is None:
                continue
            # Territory rule of referrals, with service_id as the origin.
            com, dep, reg = self._territory(five_digits(row.get("person_commune")),
                                            five_digits(row.get("person_postcode")), service)
            supports.append(Support(
                exporter, support_id, row["support_date"], service,
                pseudonym(row.get("person_id")), row["supporter_kind"].strip(),
                pseudonym(row.get("supporter_id")), com, dep, reg))
        return supports

    def first_month(self) -> int:
        """decisions.md (link_stability): the first month with data anywhere in the warehouse,
        read here as the first month of a valid referral."""
        return min(self._referrals_by_month)

    def all_referrals(self, month: str | int, window: int) -> list[Referral]:
        """Valid referrals of every territory in the window ending ``month``."""
        last = month_index(month)
        key = ("all", last, window)
        if key not in self.cache:
            self.cache[key] = [r for index in range(last - window + 1, last + 1)
                               for r in self._referrals_by_month.get(index, [])]
        return self.cache[key]

    def window(self, level: str, code: str, month: str | int, window: int) -> list[Referral]:
        """``R(T, W)``: valid referrals of territory ``code`` in the window ending ``month``."""
        key = ("window", level, code, month_index(month), window)
        if key not in self.cache:
            attribute = "departement" if level == "departement" else "region"
            self.cache[key] = [r for r in self.all_referrals(month, window)
                               if getattr(r, attribute) == code]
        return self.cache[key]

    def support_window(self, level: str, code: str, month: str | int,
                       window: int) -> list[Support]:
        """``S(T, W)``: supports of territory ``code`` in the window ending ``month``."""
        last = month_index(month)
        attribute = "departement" if level == "departement" else "region"
        return [s for index in range(last - window + 1, last + 1)
                for s in self._supports_by_month.get(index, [])
                if getattr(s, attribute) == code]

    def active(self, service: Service, month: str | int, window: int) -> bool:
        """``[opened_on, closed_on]`` meets the window (empty bounds are open)."""
        first_day, last_day = window_days(month, window)
        opened = service.opened_on or "0000-01-01"
        closed = service.closed_on or "9999-12-31"
        return opened <= last_day and closed >= first_day


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def window_days(month: str | int, window: int) -> tuple[str, str]:
    """First and last day (ISO) of the window of ``window`` months ending ``month``."""
    last = month_index(month)
    end = _month_start(last + 1) - dt.timedelta(days=1)
    return _month_start(last - window + 1).isoformat(), end.isoformat()


def _share(part: int, whole: int) -> float | None:
    """Empty denominators give NULL."""
    return part / whole if whole else None


def _hhi(counts: Counter) -> float | None:
    total = sum(counts.values())
    return sum((n / total) ** 2 for n in counts.values()) if total else None


def _out_of_mission(home: HomeFiles, referral: Referral) -> bool | None:
    """No declared need of the referral matches a competence of its target; None when no
    need is declared (an inferred need matches its target by construction)."""
    if not referral.declared:
        return None
    competences = home.services[referral.target].competences
    return not any(codes_match(need, c) for need in referral.needs for c in competences)


def _top_share(named: list[str]) -> tuple[int, int]:
    """Referrals of the most frequent professional, and the referrals naming one."""
    counts = Counter(named)
    return (max(counts.values()) if counts else 0), len(named)


# --- Form 2: working in network -------------------------------------------------------------

def referrals_count(home, level, code, month, window) -> int:
    return len(home.window(level, code, month, window))


def persons(home, level, code, month, window) -> int:
    return len({r.person_id for r in home.window(level, code, month, window)})


def hhi_targets(home: HomeFiles, level: str, code: str, month: str, window: int) -> float | None:
    """``sum_t (n_t / |R|)^2``; None when ``R`` is empty."""
    referrals = home.window(level, code, month, window)
    if not referrals:
        return None
    counts = Counter(r.target for r in referrals)
    return sum((n / len(referrals)) ** 2 for n in counts.values())


def effective_targets(home, level, code, month, window) -> float | None:
    hhi = hhi_targets(home, level, code, month, window)
    return None if hhi is None else 1 / hhi


def top3_target_share(home, level, code, month, window) -> float | None:
    referrals = home.window(level, code, month, window)
    counts = sorted(Counter(r.target for r in referrals).values(), reverse=True)
    return _share(sum(counts[:3]), len(referrals))


def origin_hhi_median(home, level, code, month, window) -> float | None:
    """Median over origins with ``n_o >= 10`` of their targets' HHI (the middle two averaged
    when their number is even)."""
    by_origin: dict[str, Counter] = defaultdict(Counter)
    for r in home.window(level, code, month, window):
        by_origin[r.origin][r.target] += 1
    values = [_hhi(counts) for counts in by_origin.values() if sum(counts.values()) >= 10]
    return statistics.median(values) if values else None


def out_of_mission_rate(home, level, code, month, window) -> float | None:
    """Over the referrals that declare a need."""
    flags = [_out_of_mission(home, r) for r in home.window(level, code, month, window)]
    known = [flag for flag in flags if flag is not None]
    return _share(sum(known), len(known))


def _need_based(referral: Referral) -> bool:
    """The referral enters the neglected services: needs known and commune known."""
    return bool(referral.needs) and referral.territory_commune is not None


def needs_coverage(home, level, code, month, window) -> float | None:
    referrals = home.window(level, code, month, window)
    return _share(sum(_need_based(r) for r in referrals), len(referrals))


def expected_observed(home: HomeFiles, level: str, code: str, month: str, window: int):
    """``expected(s, n)`` and ``observed(s, n)`` of indicators.md, for pairs with expected > 0."""
    key = ("expected_observed", level, code, month_index(month), window)
    if key in home.cache:
        return home.cache[key]
    in_window = home.window(level, code, month, window)
    # decisions.md: the expected side needs the commune (the competent set), the observed
    # side does not; a target that received a referral of unknown needs is not judged.
    referrals = [r for r in in_window if _need_based(r)]
    unjudged = {r.target for r in in_window if not r.needs}
    # decisions.md: "active in the window" follows the spec literally.
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
    expected = {pair: value for pair, value in expected.items() if pair[0] not in unjudged}
    by_target: dict[str, list[Referral]] = defaultdict(list)
    for r in in_window:
        by_target[r.target].append(r)
    observed = {pair: sum(1 for r in by_target[pair[0]]
                          if any(codes_match(pair[1], n) for n in r.needs))
                for pair in expected}
    home.cache[key] = (dict(expected), observed)
    return home.cache[key]


def neglected_pairs(home: HomeFiles, level: str, code: str, month: str,
                    window: int) -> set[tuple[str, str]]:
    """Pairs with expected >= 3 and observed = 0 (indicators.md, "Neglected services")."""
    expected, observed = expected_observed(home, level, code, month, window)
    return {pair for pair, value in expected.items() if value >= 3 and observed[pair] == 0}


def neglected_share(home, level, code, month, window) -> float | None:
    expected, _ = expected_observed(home, level, code, month, window)
    eligible = sum(1 for value in expected.values() if value >= 3)
    return _share(len(neglected_pairs(home, level, code, month, window)), eligible)


def neglected_services(home, level, code, month, window) -> int:
    return len({service for service, _ in neglected_pairs(home, level, code, month, window)})


def reciprocity(home, level, code, month, window) -> float | None:
    directed = {(r.origin, r.target) for r in home.window(level, code, month, window)}
    pairs = {frozenset(pair) for pair in directed}
    both = {frozenset((o, t)) for o, t in directed if (t, o) in directed}
    return _share(len(both), len(pairs))


def acceptance_rate(home, level, code, month, window) -> float | None:
    """decisions.md: only decided referrals count (pending, expired, no status: neither)."""
    statuses = Counter(r.status for r in home.window(level, code, month, window))
    return _share(statuses["accepted"], statuses["accepted"] + statuses["refused"])


def cross_sector_share(home, level, code, month, window) -> float | None:
    """decisions.md: the directory sectors of origin and target."""
    referrals = home.window(level, code, month, window)
    crossing = sum(home.services[r.origin].sector != home.services[r.target].sector
                   for r in referrals)
    return _share(crossing, len(referrals))


def convention_coverage(home, level, code, month, window) -> float | None:
    referrals = home.window(level, code, month, window)
    return _share(sum(home.covered(r) for r in referrals), len(referrals))


def dormant_conventions(home, level, code, month, window) -> int:
    """Conventions active in W with a party sitting in T and no referral between the two
    parties in W, any territory, either way (decisions.md: counted in every territory where
    one of its parties sits)."""
    first_day, last_day = window_days(month, window)
    linked = {frozenset((r.origin, r.target)) for r in home.all_referrals(month, window)}
    return sum(
        1 for c in home.conventions if c.meets(first_day, last_day)
        and (home.sits_in(c.service_a, level, code) or home.sits_in(c.service_b, level, code))
        and frozenset((c.service_a, c.service_b)) not in linked)


def _pairs(home, level, code, month, window) -> set[tuple[str, str]]:
    return {(r.origin, r.target) for r in home.window(level, code, month, window)}


def link_stability(home, level, code, month, window) -> float | None:
    """Jaccard of the directed pairs of W and of the window of the same length just before;
    NULL when that one starts before the first month with data (decisions.md: anywhere, not
    per territory), or when neither window has a pair (empty denominator)."""
    last = month_index(month)
    if last - 2 * window + 1 < home.first_month():
        return None
    now = _pairs(home, level, code, last, window)
    before = _pairs(home, level, code, last - window, window)
    return _share(len(now & before), len(now | before))


# --- Form 3: the professional's personal network --------------------------------------------

def fragile_link_share(home, level, code, month, window) -> float | None:
    """decisions.md: the 80% is over the pair's referrals that name a professional."""
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in home.window(level, code, month, window):
        if r.professional_id is not None:
            named[(r.origin, r.target)].append(r.professional_id)
    qualifying = [_top_share(names) for names in named.values() if len(names) >= 5]
    return _share(sum(1 for top, total in qualifying if 5 * top >= 4 * total), len(qualifying))


def ruptured_links(home, level, code, month, window) -> int:
    """Pairs with >= 3 referrals in R(T) over the 12 months before W, one professional making
    >= 80% of them (decisions.md: of all the pair's referrals, named or not), that professional
    making no referral in W (any territory), and no referral of the pair in R(T, W)."""
    last = month_index(month)
    before: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for r in home.window(level, code, last - window, 12):
        before[(r.origin, r.target)].append(r.professional_id)
    active_professionals = {r.professional_id for r in home.all_referrals(last, window)}
    pairs_now = _pairs(home, level, code, last, window)
    ruptured = 0
    for pair, professionals in before.items():
        named = Counter(p for p in professionals if p is not None)
        if len(professionals) < 3 or not named:
            continue
        professional, top = named.most_common(1)[0]
        if 5 * top >= 4 * len(professionals) and professional not in active_professionals \
                and pair not in pairs_now:
            ruptured += 1
    return ruptured


# --- Form 1: re-weaving ties (supports) ----------------------------------------------------

def supports(home, level, code, month, window) -> int:
    return len(home.support_window(level, code, month, window))


def family_support_share(home, level, code, month, window) -> float | None:
    rows = home.support_window(level, code, month, window)
    return _share(sum(s.supporter_kind == "famille" for s in rows), len(rows))


def supporter_top_decile_share(home, level, code, month, window) -> float | None:
    """Supports given by the ``ceil(0.1 h)`` most-solicited of ``h`` distinct supporters, over
    ``|S|`` (ties at the cut do not change the sum)."""
    rows = home.support_window(level, code, month, window)
    counts = sorted(Counter(s.supporter_id for s in rows if s.supporter_id).values(),
                    reverse=True)
    return _share(sum(counts[:math.ceil(0.1 * len(counts))]), len(rows))


def single_supporter_share(home, level, code, month, window) -> float | None:
    supporters: dict[str, set[str]] = defaultdict(set)
    for s in home.support_window(level, code, month, window):
        if s.person_id is not None:
            supporters[s.person_id].update([s.supporter_id] if s.supporter_id else [])
    return _share(sum(len(ids) == 1 for ids in supporters.values()), len(supporters))


TERRITORY_INDICATORS: dict[str, Callable] = {
    "referrals": referrals_count,
    "persons": persons,
    "hhi_targets": hhi_targets,
    "effective_targets": effective_targets,
    "top3_target_share": top3_target_share,
    "origin_hhi_median": origin_hhi_median,
    "out_of_mission_rate": out_of_mission_rate,
    "neglected_share": neglected_share,
    "neglected_services": neglected_services,
    "needs_coverage": needs_coverage,
    "reciprocity": reciprocity,
    "acceptance_rate": acceptance_rate,
    "cross_sector_share": cross_sector_share,
    "convention_coverage": convention_coverage,
    "dormant_conventions": dormant_conventions,
    "link_stability": link_stability,
    "fragile_link_share": fragile_link_share,
    "ruptured_links": ruptured_links,
    "supports": supports,
    "family_support_share": family_support_share,
    "supporter_top_decile_share": supporter_top_decile_share,
    "single_supporter_share": single_supporter_share,
}


def territory_indicator(home: HomeFiles, indicator: str, level: str, code: str, month: str,
                        window: int) -> float | None:
    """One indicator of indicators.md for territory ``code`` of ``level`` (None: NULL)."""
    return TERRITORY_INDICATORS[indicator](home, level, code, month, window)


# --- Per service and per link (whole observatory) -------------------------------------------

def service_indicators(home: HomeFiles, month: str, window: int) -> dict[str, dict]:
    """``service_indicators`` for the services with a referral (sent or received) in the
    window, all territories."""
    import networkx as nx

    referrals = home.all_referrals(month, window)
    edges = Counter((r.origin, r.target) for r in referrals)
    graph = nx.DiGraph()
    for (origin, target), count in edges.items():
        graph.add_edge(origin, target, count=count)
    pagerank = nx.pagerank(graph, alpha=0.85, weight="count")
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    received: dict[str, list[Referral]] = defaultdict(list)
    for r in referrals:
        received[r.target].append(r)
    rows = {}
    for service in graph.nodes:
        sent = Counter({t: n for (o, t), n in edges.items() if o == service})
        inbound = received[service]
        statuses = Counter(r.status for r in inbound)
        rows[service] = {
            "referrals_sent": sum(sent.values()),
            "referrals_received": len(inbound),
            "partners_out": len(sent),
            "partners_in": len({r.origin for r in inbound}),
            "hhi_out": _hhi(sent),
            "acceptance_rate_received": _share(statuses["accepted"],
                                               statuses["accepted"] + statuses["refused"]),
            "out_of_mission_received_rate": _share(
                sum(flag for r in inbound if (flag := _out_of_mission(home, r)) is not None),
                sum(_out_of_mission(home, r) is not None for r in inbound)),
            "pagerank": pagerank[service],
            "betweenness": betweenness[service],
        }
    return rows


def link_indicators(home: HomeFiles, month: str, window: int) -> dict[tuple[str, str], dict]:
    """``link_indicators`` for the directed pairs with a referral in the window, all
    territories. decisions.md: ``has_convention`` when a convention covered at least one of the
    link's referrals; ``top_professional_share`` over the referrals naming a professional."""
    by_pair: dict[tuple[str, str], list[Referral]] = defaultdict(list)
    for r in home.all_referrals(month, window):
        by_pair[(r.origin, r.target)].append(r)
    rows = {}
    for (origin, target), referrals in by_pair.items():
        statuses = Counter(r.status for r in referrals)
        top, named = _top_share([r.professional_id for r in referrals
                                 if r.professional_id is not None])
        rows[(origin, target)] = {
            "referrals": len(referrals),
            "accepted": statuses["accepted"],
            "refused": statuses["refused"],
            "reverse_referrals": len(by_pair.get((target, origin), [])),
            "distinct_professionals": len({r.professional_id for r in referrals
                                           if r.professional_id is not None}),
            "top_professional_share": _share(top, named),
            "has_convention": any(home.covered(r) for r in referrals),
        }
    return rows
