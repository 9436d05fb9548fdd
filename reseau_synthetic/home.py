"""``generate_home``: write a complete synthetic home folder and its ground truth."""

from __future__ import annotations

import calendar
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from reseau.errors import UserError
from reseau_synthetic.allocation import Allocator
from reseau_synthetic.conventions import build_conventions
from reseau_synthetic.demand import build_slots, month_starts
from reseau_synthetic.directory import build_directory
from reseau_synthetic.exports import delivery_time, write_referral_exports
from reseau_synthetic.needs import build_catalogue
from reseau_synthetic.people import linkage_key
from reseau_synthetic.plan import assign_roles, assign_software, make_plan
from reseau_synthetic.quirks import SoftwareExporters, disguise_exports
from reseau_synthetic.records import build_referrals
from reseau_synthetic.reference import (
    ALIASES_HEADER,
    CONVENTIONS_HEADER,
    SERVICES_HEADER,
    service_rows,
    write_csv,
)
from reseau_synthetic.sequence import allocate
from reseau_synthetic.software import People
from reseau_synthetic.supports import write_supports
from reseau_synthetic.territory import build_territory, write_cog
from reseau_synthetic.texts import WORKERS, Texts
from reseau_synthetic.truth import build_truth

MIN_REFERRALS = 10_000
MIN_MONTHS = 18  # a key person leaves >= 13 months after the start and >= 3 before the end
MAX_MONTHS = 120


class GeneratorInputError(UserError, ValueError):
    """Bad arguments or a home that already holds data; the message says how to fix it."""


EXPORT_FORMATS = ("canonical", "mixed")


def _check(home: Path, referrals: int, months: int, end_month: str, formats: str) -> None:
    if formats not in EXPORT_FORMATS:
        raise GeneratorInputError(f"--formats {formats!r} is unknown: use "
                                  f"{' or '.join(EXPORT_FORMATS)}")
    if referrals < MIN_REFERRALS:
        raise GeneratorInputError(f"--referrals {referrals} is too small to plant the "
                                  f"phenomena at their stated sizes: use at least "
                                  f"{MIN_REFERRALS:,}")
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise GeneratorInputError(f"--months {months} is out of range: use {MIN_MONTHS} to "
                                  f"{MAX_MONTHS} (a planted key person leaves after 13 months)")
    match = re.fullmatch(r"(\d{4})-(\d{2})", end_month)
    if not match or not 1 <= int(match[2]) <= 12:
        raise GeneratorInputError(f"end month {end_month!r} is not YYYY-MM")
    landing = home / "landing"
    if landing.is_dir() and any(path.is_file() for path in landing.rglob("*")):
        raise GeneratorInputError(f"{landing} already holds files: a generated region must "
                                  f"not mix with another one; use an empty or new --home")


def _scale_for(services: int, territory, catalogue, hub_dep: int) -> float:
    """The scale of the repeatable local services that gives about ``services`` services
    (at least 1: the usual cast); the count is close to linear in the scale."""
    def count(scale: float) -> int:
        return len(build_directory(np.random.default_rng(0), territory, catalogue, scale,
                                   hub_dep))

    low, high = count(1.0), count(2.0)
    return max(1.0, 1.0 + (services - low) / max(high - low, 1))


def generate_home(home: Path, *, referrals: int = 200_000, months: int = 24, seed: int = 42,
                  end_month: str = "2026-10", formats: str = "canonical",
                  services: int | None = None,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Write a synthetic region into ``home`` and return its ground truth.

    Parameters
    ----------
    home : pathlib.Path
        Home folder; created if missing. Must not already hold files under ``landing/``.
    referrals : int
        Distinct valid referrals the pipeline will see (within a few percent).
    months : int
        Length of the period, ending with ``end_month``.
    seed : int
        Same seed, same bytes and file times; another seed, another region.
    end_month : str
        Last month, ``YYYY-MM``.
    formats : str
        ``canonical`` (every export in the contract's CSV) or ``mixed`` (each exporter in
        its own format and quirks, plus broken and identifying files: see
        :mod:`reseau_synthetic.quirks`). Same seed, same rows either way.
    services : int, optional
        About how many services the directory lists (the local services of each département
        repeated to reach it; at least the usual cast). By default it grows with
        ``referrals``, from about 330 to 650.
    progress : callable, optional
        Receives short messages as each part is written.

    Returns
    -------
    dict
        The ground truth, also written to ``<home>/ground_truth.json``.
    """
    home = Path(home)
    _check(home, referrals, months, end_month, formats)
    say = progress or (lambda message: None)
    streams = [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(13)]
    catalogue = build_catalogue()
    territory = build_territory(streams[0])
    roles = assign_roles(streams[1], len(territory.dep_codes))
    scale = (_scale_for(services, territory, catalogue, roles["concentration"]) if services
             else float(np.clip(1 + (referrals - 300_000) / 700_000, 1.0, 2.5)))
    directory = build_directory(streams[2], territory, catalogue, scale, roles["concentration"])
    starts = month_starts(end_month, months)
    plan = make_plan(streams[3], roles, territory, directory, catalogue, months,
                     referrals / months)
    assign_software(streams[12], plan, directory)
    key = linkage_key(seed)
    reference = home / "reference"
    written = write_cog(reference / "territories")
    say(f"territories: {len(territory.dep_codes)} départements, "
        f"{len(territory.commune_codes)} communes written")
    written.append(write_csv(reference / "services.csv", SERVICES_HEADER,
                             service_rows(directory, territory, catalogue, plan, starts)))
    say(f"services: {len(directory)} written, {int(plan.exporters.sum())} of them export")

    slots = build_slots(streams[4], territory, directory, catalogue, plan, starts, referrals)
    allocator = Allocator(territory, directory, catalogue, plan)
    last_weekday = [int(slots.day[slots.month == m].max()) for m in range(months)]
    target, added = allocate(streams[5], slots, allocator, territory, directory, catalogue,
                             plan, last_weekday)
    refs = build_referrals(streams[6], slots, target, added, directory, catalogue, plan, starts)
    say(f"referrals: {int((refs.status != 4).sum()):,} valid referrals allocated")
    texts = Texts(streams[7], territory, directory, catalogue, plan.aliases,
                  int(refs.person.max()) + 1, int(refs.professional.max()) + 1,
                  int(refs.day.min()), int(refs.day.max()) + 62, key)
    exports = write_referral_exports(home, streams[8], refs, plan, texts, starts)
    say(f"referral exports: {exports['files']:,} files, {exports['rows']:,} rows written")
    supports = write_supports(home, streams[9], refs, directory, plan, texts, starts,
                              int((refs.status != 4).sum()))
    say(f"supports: {supports['rows']:,} written in {supports['files']:,} files")
    conventions, dormant = build_conventions(streams[10], refs, directory, plan, starts)
    written.append(write_csv(reference / "conventions.csv", CONVENTIONS_HEADER, conventions))
    written.append(write_csv(reference / "service_aliases.csv", ALIASES_HEADER,
                             texts.alias_rows()))
    say(f"conventions: {len(conventions)} written; aliases: {len(texts.alias_rows())}")

    quirks = None
    if formats == "mixed":
        software = SoftwareExporters(
            exporters={directory.ids[s]: name for s, name in plan.software.items()},
            names=dict(zip(directory.ids, directory.names, strict=True)),
            people=People(texts.persons, texts.professional_ids, WORKERS), key=key)
        quirks = disguise_exports(home, streams[11], exports["redelivery"], software)
        say(f"exports rewritten in {len(set(quirks['formats'].values()))} formats; "
            f"{len(quirks['profiles'])} mapping profiles")
    truth = build_truth(seed=seed, referrals=referrals, starts=starts, territory=territory,
                        directory=directory, catalogue=catalogue, plan=plan, refs=refs,
                        texts=texts, exports=exports, supports=supports,
                        conventions=conventions, dormant=dormant)
    if quirks is not None:
        truth["quirks"] = quirks
    truth_path = home / "ground_truth.json"
    truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    # File times are part of the output (re-delivery is decided by delivery time), so they
    # are set from the data: reference files as of the period's start, truth after the end.
    first = calendar.timegm((starts[0].year, starts[0].month, 1, 6, 0, 0))
    for path in written:
        os.utime(path, (first, first))
    last = delivery_time(starts[-1], day=25)
    os.utime(truth_path, (last, last))
    say("ground truth written to ground_truth.json")
    return truth
