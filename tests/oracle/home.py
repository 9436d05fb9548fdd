"""A home's files read by hand: the directory, aliases, COG, valid de-duplicated referrals and
supports, conventions (``HomeFiles``)."""

from __future__ import annotations

import hashlib
import os
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

from tests.oracle.contract import (
    POSTCODES,
    _read,
    _status,
    codes_match,
    five_digits,
    iso_date,
    month_index,
    normalise,
    pseudonym,
    window_days,
)
from tests.oracle.records import Convention, Referral, Service, Support


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
                Fraction(row.get("capacity") or 1), iso_date(row.get("opened_on")),
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
