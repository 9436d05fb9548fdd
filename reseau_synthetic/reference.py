"""Reference files of the home: directory, conventions and aliases (data-contract.md)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import NeedCatalogue
from reseau_synthetic.plan import Plan
from reseau_synthetic.territory import Territory

SERVICES_HEADER = ("service_id", "name", "sector", "commune", "competences", "served_area",
                   "capacity", "opened_on", "closed_on")
CONVENTIONS_HEADER = ("convention_id", "service_a", "service_b", "kind", "start_date",
                      "end_date")
ALIASES_HEADER = ("exporter_id", "alias", "service_id")


def served_area(directory: Directory, territory: Territory, service: int) -> str:
    """The ``served_area`` cell. Most départemental services leave it empty (their own
    département); one in seven writes its département code, which means the same."""
    kind = directory.served_kind[service]
    if kind == "communes":
        return "|".join(territory.commune_codes[c] for c in directory.served_communes[service])
    if kind == "dep":
        return territory.dep_codes[directory.dep[service]] if service % 7 == 3 else ""
    if kind == "pair":
        return "|".join(territory.dep_codes[d] for d in directory.served_deps[service])
    if kind == "region":
        return "R" + territory.region_codes[int(territory.dep_region[directory.dep[service]])]
    return "france"


def service_rows(directory: Directory, territory: Territory, catalogue: NeedCatalogue,
                 plan: Plan, starts: list[dt.date]) -> list[tuple]:
    rows = []
    for s in range(len(directory)):
        opened = starts[plan.opened[s]].isoformat() if plan.opened[s] > 0 else ""
        closed = ""
        if plan.closed[s] < plan.months - 1:
            following = (starts[plan.closed[s]] + dt.timedelta(days=32)).replace(day=1)
            closed = (following - dt.timedelta(days=1)).isoformat()
        rows.append((directory.ids[s], directory.names[s], directory.sectors[s],
                     territory.commune_codes[directory.commune[s]],
                     catalogue.written_competences(directory.bundles[s]),
                     served_area(directory, territory, s), f"{directory.capacity[s]:g}",
                     opened, closed))
    return rows


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> Path:
    """UTF-8, comma, ``\\n`` line ends, quoting only where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path
