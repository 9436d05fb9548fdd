"""Territory reports: ``<home>/published/<YYYY-MM>/rapports/<level>-<code>.html``.

One self-contained HTML file per territory and month, in French, for funders (interfaces.md,
"Funders"): the headline indicators with their 95% interval and 12-month trend; for a
région, maps of its départements (:mod:`pipelines.publish.maps`) and funnel plots of the
headline shares (:mod:`pipelines.publish.funnel`); every indicator with its definition from
the catalogue, the neglected services by need, the most concentrated partnerships, the
fragile links and a picture of the territory's referral network
(:mod:`pipelines.publish.network_picture`). The PDF beside each is printed by
:mod:`pipelines.publish.pdf`.

Every figure goes through the same disclosure control as the funder files: indicator values
are the rows of :func:`pipelines.publish.funder_files.funder_long` (suppressed ones are shown
as such), and the tables and the picture keep to links and services with at least
``min_cell`` referrals; a smaller count is written "moins de <min_cell>". Styles are inlined
and the page has no script; its Content-Security-Policy forbids any network access.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

from pipelines.publish.figures import HEADLINE, indicator_rows, month_label
from pipelines.publish.funnel import FunnelPoint, funnel_svg
from pipelines.publish.maps import Area, map_svg
from pipelines.publish.network_picture import SECTOR_COLOURS, Edge, Node, network_svg
from pipelines.publish.numbers import number_style
from reseau.contract import SECTORS
from reseau.indicators import NETWORK_FORMS, indicators_of

#: Headline shares whose région value pools its départements' cases, so that a funnel
#: around it is the right question (not the top three targets' share: a région's top three
#: are not its départements' top threes).
FUNNELS = ("out_of_mission_rate", "reciprocity", "fragile_link_share", "family_support_share")
#: Rows of each table of a report, and links in the network picture.
TABLE_ROWS, PICTURE_LINKS = 10, 60
LEVEL_LABELS = {"departement": "Département", "region": "Région"}
STATUS_LABELS = {"neglected": "délaissé", "under_solicited": "sous-sollicité"}

#: The pages' templates (``templates/``): the reports and the staff page share ``page.html.j2``.
templates = Environment(loader=PackageLoader("pipelines.publish", "templates"),
                        autoescape=select_autoescape(["html", "j2"]),
                        trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class MonthTables:
    """What the reports of one month read, for every territory at once.

    ``protected``: funder rows (disclosure applied) of the 12 months ending with ``month``;
    ``neglected``: ``marts.neglected_services`` of the month, 12-month window, with
    ``need_label``; ``links`` and ``sent``: ``marts.link_indicators`` and the
    ``referrals_sent`` of ``marts.service_indicators`` of the month, 12-month window;
    ``services``: ``marts.dim_services``; ``denominators``: the exact denominators of the
    month's 12-month indicators (``territory_level, territory_code, indicator,
    denominator``), which only the funnel plots read, rounded."""

    month: date
    protected: pl.DataFrame
    catalogue: pl.DataFrame
    territories: pl.DataFrame
    services: pl.DataFrame
    neglected: pl.DataFrame
    links: pl.DataFrame
    sent: pl.DataFrame
    min_cell: int
    denominators: pl.DataFrame


def _count(value: int, min_cell: int) -> str:
    return f"{value:,}".replace(",", "\u202f") if value >= min_cell else f"moins de {min_cell}"


def _neglected(tables: MonthTables, level: str, code: str) -> list[dict]:
    rows = tables.neglected.filter(pl.col("territory_level") == level,
                                   pl.col("territory_code") == code)
    named = rows.join(tables.services.select("service_id", "name"), on="service_id",
                      how="left").sort("need_label", "expected", descending=[False, True])
    return [
        {"need": need, "rows": [
            {"service": row["name"] or row["service_id"], "expected": f"{row['expected']:.0f}",
             "observed": _count(row["observed"], tables.min_cell),
             "status": STATUS_LABELS[row["status"]]}
            for row in group.iter_rows(named=True)]}
        for (need,), group in named.partition_by("need_label", as_dict=True,
                                                 maintain_order=True).items()]


def _territory_links(tables: MonthTables, level: str, code: str) -> pl.DataFrame:
    """Links sent by the territory's services, with at least ``min_cell`` referrals."""
    inside = tables.services.filter(pl.col(level) == code)["service_id"]
    names = tables.services.select("service_id", "name", "sector", level)
    return (
        tables.links.filter(pl.col("origin_service_id").is_in(inside.implode()),
                            pl.col("referrals") >= tables.min_cell)
        .join(tables.sent, left_on="origin_service_id", right_on="service_id", how="left")
        .join(names.rename(lambda c: f"origin_{c}"), on="origin_service_id", how="left")
        .join(names.rename(lambda c: f"target_{c}"), on="target_service_id", how="left")
        .with_columns((pl.col("referrals") / pl.col("referrals_sent")).alias("share"))
    )


def _link_row(row: dict, min_cell: int) -> dict:
    return {"origin": row["origin_name"], "target": row["target_name"],
            "referrals": _count(row["referrals"], min_cell),
            "share": f"{100 * row['share']:.0f}\u202f%",
            "convention": "oui" if row["has_convention"] else "non"}


def _picture(links: pl.DataFrame, level: str, code: str) -> str:
    shown = links.sort("referrals", "origin_service_id", "target_service_id",
                       descending=[True, False, False]).head(PICTURE_LINKS)
    nodes = {}
    for end in ("origin", "target"):
        for row in shown.iter_rows(named=True):
            nodes[row[f"{end}_service_id"]] = Node(
                row[f"{end}_service_id"], row[f"{end}_name"], row[f"{end}_sector"],
                row[f"{end}_{level}"] == code)
    edges = [Edge(row["origin_service_id"], row["target_service_id"], row["referrals"])
             for row in shown.iter_rows(named=True)]
    return network_svg(list(nodes.values()), edges)


def _basis(indicator: str, rows: dict[str, dict]) -> str | None:
    """What a need-based headline rests on: real software exports no need."""
    if indicator == "out_of_mission_rate":
        return "Sur les orientations qui déclarent leurs besoins."
    coverage = rows.get("needs_coverage")
    if indicator == "neglected_services" and coverage and coverage["status"] == "shown":
        return f"Besoins et commune connus pour {coverage['value']} des orientations."
    return None


def _departements(tables: MonthTables, region: str, indicator: str) -> pl.DataFrame:
    """The région's départements with their published 12-month value of ``indicator``."""
    inside = tables.territories.filter(pl.col("territory_level") == "departement",
                                       pl.col("parent_code") == region)
    values = tables.protected.filter(pl.col("territory_level") == "departement",
                                     pl.col("month") == tables.month,
                                     pl.col("window_months") == 12,
                                     pl.col("indicator") == indicator)
    return inside.select("territory_code", "territory_name").join(
        values.select("territory_code", "value", "suppressed"), on="territory_code",
        how="left").sort("territory_code")


def _maps(tables: MonthTables, region: str, headline: list[dict]) -> list[dict]:
    """One map of the région's départements per headline indicator (none when they have no
    outline: territories that are not real French ones)."""
    maps = []
    for row in headline:
        text = number_style(row["indicator"], row["unit"]).text
        areas = [Area(code, name, value, "masqué" if suppressed else
                      ("non calculable" if value is None else text(value)), bool(suppressed))
                 for code, name, value, suppressed in _departements(
                     tables, region, row["indicator"]).iter_rows()]
        picture = map_svg(areas, row["label"], text=text, id_prefix=f"map-{row['indicator']}-")
        if picture:
            maps.append({"label": row["label"], "svg": picture})
    return maps


def _funnels(tables: MonthTables, region: str, headline: list[dict]) -> list[dict]:
    """A funnel plot per headline share whose région value is published."""
    funnels = []
    for row in headline:
        indicator = row["indicator"]
        if indicator not in FUNNELS:
            continue
        centre = tables.protected.filter(
            pl.col("territory_level") == "region", pl.col("territory_code") == region,
            pl.col("month") == tables.month, pl.col("window_months") == 12,
            pl.col("indicator") == indicator, ~pl.col("suppressed"))["value"]
        if centre.is_empty() or centre[0] is None:
            continue
        bases = tables.denominators.filter(pl.col("territory_level") == "departement",
                                           pl.col("indicator") == indicator)
        points = [FunnelPoint(code, name, value, denominator)
                  for code, name, value, suppressed, denominator in _departements(
                      tables, region, indicator).join(
                      bases.select("territory_code", "denominator"), on="territory_code",
                      how="left").iter_rows()
                  if value is not None and not suppressed and denominator]
        picture = funnel_svg(points, centre[0], row["label"],
                             number_style(indicator, row["unit"]).text)
        if picture:
            funnels.append({"label": row["label"], "svg": picture})
    return funnels


def render(tables: MonthTables, level: str, code: str) -> str:
    """The HTML report of one territory for ``tables.month``."""
    territory = tables.territories.filter(pl.col("territory_level") == level,
                                          pl.col("territory_code") == code).row(0, named=True)
    rows = indicator_rows(tables.protected, tables.catalogue, level, code, tables.month)
    links = _territory_links(tables, level, code)
    concentrated = links.sort("share", "referrals", "origin_service_id", "target_service_id",
                              descending=[True, True, False, False]).head(TABLE_ROWS)
    fragile = links.filter(pl.col("top_professional_share") >= 0.8).sort(
        "referrals", "origin_service_id", "target_service_id",
        descending=[True, False, False]).head(TABLE_ROWS)
    headline = [{**rows[indicator], "basis": _basis(indicator, rows)}
                for indicator in HEADLINE if indicator in rows]
    region = level == "region"
    return templates.get_template("report.html.j2").render(
        level=LEVEL_LABELS[level], name=territory["territory_name"], code=code,
        month=month_label(tables.month), min_cell=tables.min_cell,
        headline=headline,
        maps=_maps(tables, code, headline) if region else [],
        funnels=_funnels(tables, code, headline) if region else [],
        forms=[{"title": form.title_fr, "quote": form.seed_passage,
                "rows": [rows[code] for code in indicators_of(form.form) if code in rows]}
               for form in NETWORK_FORMS],
        neglected=_neglected(tables, level, code),
        concentrated=[_link_row(row, tables.min_cell) for row in concentrated.iter_rows(
            named=True)],
        fragile=[_link_row(row, tables.min_cell) for row in fragile.iter_rows(named=True)],
        network=_picture(links, level, code), picture_links=PICTURE_LINKS,
        sectors=[(SECTORS[s], colour) for s, colour in SECTOR_COLOURS.items()],
    )


def write_reports(folder: Path, tables: MonthTables) -> list[Path]:
    """Write the report of every département and région into ``folder / "rapports"``."""
    target = folder / "rapports"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for level, code in tables.territories.filter(
            pl.col("territory_level").is_in(list(LEVEL_LABELS))).select(
            "territory_level", "territory_code").sort("territory_level", "territory_code"
                                                      ).iter_rows():
        path = target / f"{level}-{code}.html"
        path.write_text(render(tables, level, code), encoding="utf-8")
        written.append(path)
    return written
