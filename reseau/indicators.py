"""The registry of indicators: the catalogue seed of the dbt project, read once.

``dbt_project/seeds/indicator_catalogue_entries.csv`` is the one list of indicators: dbt
loads it as ``reference.indicator_catalogue_entries`` (published as
``marts.indicator_catalogue``), and the library, the disclosure rule, the reports and the
tests read it through this module. ``network_forms.csv`` beside it holds the three forms
of network of the seed analyses that the indicators are grouped by. Adding an indicator
is a row in the seed and a formula in ``reseau_metrics``; a test fails until both exist.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from reseau.contract import DBT_PROJECT_DIR

__all__ = [
    "ADDITIVE", "CATALOGUE", "CODES", "COUNTS", "NETWORK_FORMS", "ORGANISATIONAL", "Indicator",
    "NetworkForm", "SEEDS", "WILSON", "indicators_of",
]

#: The dbt project's seeds folder, where both registry files live.
SEEDS = DBT_PROJECT_DIR / "seeds"

KINDS = ("count", "ratio")
DIRECTIONS = ("better", "worse", "neutral")
BASES = ("people", "organisations")
INTERVALS = ("wilson", "delta", "order", "none")


@dataclass(frozen=True)
class NetworkForm:
    """One of the three forms of network (indicators.md), in report order."""

    form: str
    number: int  #: the form's number in the seed analyses (1, 2 or 3)
    title_fr: str
    title_en: str
    seed_passage: str


@dataclass(frozen=True)
class Indicator:
    """One row of the catalogue seed."""

    code: str
    form: str  #: a ``NetworkForm.form``
    kind: str  #: ``count`` (0 where nothing happened, judged on its value) or ``ratio``
    additive: bool  #: a région's value is the sum of its départements', a window's of its months
    #: what it counts (a count) or what its denominator counts (a ratio): ``people`` (persons,
    #: referrals, supports: under disclosure control) or ``organisations`` (services,
    #: conventions, links, service-need pairs: published as they are)
    base: str
    #: its 95% interval (``reseau_metrics.intervals``): ``wilson`` (a share), ``delta`` (the
    #: HHI and its inverse), ``order`` (a median), ``none`` (a count)
    interval: str
    label_fr: str
    label_en: str
    unit: str
    definition: str
    higher_is: str  #: ``better``, ``worse`` or ``neutral``
    seed_passage: str


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _forms() -> tuple[NetworkForm, ...]:
    return tuple(NetworkForm(row["form"], int(row["number"]), row["title_fr"],
                             row["title_en"], row["seed_passage"])
                 for row in _rows("network_forms.csv"))


def _catalogue(forms: tuple[NetworkForm, ...]) -> tuple[Indicator, ...]:
    known = {form.form for form in forms}
    entries = []
    for row in _rows("indicator_catalogue_entries.csv"):
        code = row["indicator"]
        if row["form"] not in known or row["kind"] not in KINDS \
                or row["additive"] not in ("true", "false") \
                or row["base"] not in BASES or row["interval"] not in INTERVALS \
                or row["higher_is"] not in DIRECTIONS:
            raise ValueError(f"indicator_catalogue_entries.csv: row {code!r} has an unknown "
                             "form, kind, additive, base, interval or higher_is")
        entries.append(Indicator(
            code=code, form=row["form"], kind=row["kind"], additive=row["additive"] == "true",
            base=row["base"], interval=row["interval"], label_fr=row["label_fr"],
            label_en=row["label_en"], unit=row["unit"], definition=row["definition"],
            higher_is=row["higher_is"],
            seed_passage=row["seed_passage"]))
    if additive_ratios := [e.code for e in entries if e.additive and e.kind != "count"]:
        raise ValueError(f"indicator_catalogue_entries.csv: only counts add up: {additive_ratios}")
    if counted := [e.code for e in entries if (e.kind == "count") != (e.interval == "none")]:
        raise ValueError("indicator_catalogue_entries.csv: counts have no interval, ratios "
                         f"have one: {counted}")
    if additive_bodies := [e.code for e in entries if e.additive and e.base != "people"]:
        raise ValueError("indicator_catalogue_entries.csv: additive counts are counts of "
                         f"people, under disclosure control: {additive_bodies}")
    return tuple(entries)


#: The three forms of network, in report order (the order of indicators.md).
NETWORK_FORMS = _forms()
#: Every territory indicator, in catalogue order.
CATALOGUE = _catalogue(NETWORK_FORMS)
#: Codes of the territory indicators, in catalogue order.
CODES = tuple(entry.code for entry in CATALOGUE)
#: Indicators that are counts: 0, not null, where nothing happened; judged on their value.
COUNTS = tuple(entry.code for entry in CATALOGUE if entry.kind == "count")
#: Counts whose région value is the sum of its départements' and a window's the sum of its
#: months': protected by secondary suppression and published for whole 12-month windows.
ADDITIVE = tuple(entry.code for entry in CATALOGUE if entry.additive)

#: Indicators about organisations (services, conventions, links between services,
#: service-need pairs), published as they are: disclosure control protects people.
ORGANISATIONAL = tuple(entry.code for entry in CATALOGUE if entry.base == "organisations")
#: Ratios whose interval is Wilson's, on their numerator and denominator.
WILSON = tuple(entry.code for entry in CATALOGUE if entry.interval == "wilson")


def indicators_of(form: str) -> tuple[str, ...]:
    """Codes of the indicators of one form of network, in catalogue order."""
    return tuple(entry.code for entry in CATALOGUE if entry.form == form)
