"""Delivery monitoring on a hand-made home: marts.deliveries, the per-exporter checks and the
staff page. Three exporters deliver referrals for March to June 2024 (times in UTC; Paris is
UTC+2 then, so a month is due before the 5th of the next, 22:00 UTC):

- S1 every month: March and April on time (April at 23:30 Paris on the 5th), May late (00:30
  Paris on the 6th), June on time, with a row whose date cannot be read (quarantined, counted
  in June, the file's last month);
- S2 March on time, nothing in April, for May a file refused whole (a ``nom`` column, sent on
  3 June: counted in May, the month before it arrived), nothing in June;
- S3 starts in May: one file on 20 June holding May (late) and June (on time) rows, one row
  of each month with an unknown need code (quarantined).

The last file arrived on 2 July, so June is the last complete month: S2's April and June are
missing; S3's April is not (it had not started).
"""

import os
import shutil
from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.cli.runner import run_pipeline
from pipelines.orchestration.assets.checks import OTHER_EXPORTERS, check_name, delivery_checks
from pipelines.orchestration.assets.publish import staff_deliveries
from pipelines.orchestration.resources import HomeResource
from pipelines.publish import deliveries as staff_page
from reseau.home import Home
from tests.conftest import FIXTURES, TEST_KEY

HEADER = "referral_id,referral_date,origin_service_id,target_service_id,person_id,needs,status"
FILES = {
    "S1/S1_2024-03.csv": ("2024-04-03 08:00", ["a1,2024-03-04,S1,S3,P1,,pending",
                                               "a2,2024-03-10,S1,S2,P2,,accepted"]),
    "S1/S1_2024-04.csv": ("2024-05-05 21:30", ["a3,2024-04-08,S1,S3,P3,,pending"]),
    "S1/S1_2024-05.csv": ("2024-06-05 22:30", ["a4,2024-05-07,S1,S3,P4,,pending"]),
    "S1/S1_2024-06.csv": ("2024-07-02 08:00", ["a5,2024-06-03,S1,S3,P5,,pending",
                                               "a6,2024-13-01,S1,S3,P6,,pending"]),
    "S2/S2_2024-03.csv": ("2024-04-04 08:00", ["b1,2024-03-12,S2,S1,P7,,accepted"]),
    "S2/S2_2024-05.csv": ("2024-06-03 08:00", ["b2,2024-05-02,S2,S1,P8,,pending,Dupont"]),
    "S3/S3_2024-05.csv": ("2024-06-20 08:00", ["c1,2024-05-14,S3,S5,P9,,pending",
                                               "c2,2024-05-15,S3,S5,P10,pas-un-besoin,pending",
                                               "c3,2024-06-01,S3,S5,P11,,pending",
                                               "c4,2024-06-02,S3,S5,P12,pas-un-besoin,pending"]),
}
COLUMNS = ("exporter_id, month, files, rows_read, rows_loaded, rows_quarantined, "
           "files_refused, on_time, missing")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def delivery_home(tmp_path_factory) -> Home:
    root = tmp_path_factory.mktemp("deliveries") / "home"
    shutil.copytree(FIXTURES / "tiny_home" / "reference", root / "reference")
    for name, (delivered, rows) in FILES.items():
        path = root / "landing" / "referrals" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        header = HEADER + (",nom" if name.startswith("S2/S2_2024-05") else "")
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        os.utime(path, (at(delivered).timestamp(),) * 2)
    os.environ["RESEAU_PSEUDONYM_KEY"] = TEST_KEY
    home = Home.open(root)
    assert run_pipeline(home, stage="ingest+dbt")
    return home


@pytest.fixture
def deliveries(delivery_home) -> pl.DataFrame:
    con = duckdb.connect(str(delivery_home.warehouse), read_only=True)
    try:
        return con.execute("select * from marts.deliveries").pl()
    finally:
        con.close()


def test_each_month_of_each_exporter_is_on_time_late_refused_or_missing(delivery_home):
    con = duckdb.connect(str(delivery_home.warehouse), read_only=True)
    rows = con.execute(f"select {COLUMNS} from marts.deliveries order by all").fetchall()
    assert {row[0] for row in con.execute(
        "select distinct kind || '/' || series from marts.deliveries").fetchall()} == {
        "referrals/default"}
    march, april, may, june = (date(2024, m, 1) for m in (3, 4, 5, 6))
    assert rows == [
        # exporter, month, files, read, loaded, quarantined, refused, on_time, missing
        ("S1", march, 1, 2, 2, 0, 0, True, False),
        ("S1", april, 1, 1, 1, 0, 0, True, False),  # 23:30 in Paris on 5 May
        ("S1", may, 1, 1, 1, 0, 0, False, False),  # 00:30 in Paris on 6 June
        ("S1", june, 1, 2, 1, 1, 0, True, False),  # a6's date unreadable: June's, quarantined
        ("S2", march, 1, 1, 1, 0, 0, True, False),
        ("S2", april, 0, 0, 0, 0, 0, False, True),
        ("S2", may, 1, 0, 0, 0, 1, False, False),  # refused: a file, but nothing on time
        ("S2", june, 0, 0, 0, 0, 0, False, True),  # June is the last complete month
        ("S3", may, 1, 2, 1, 1, 0, False, False),  # one file, counted in both its months
        ("S3", june, 1, 2, 1, 1, 0, True, False),
    ]
    delivered = dict(((exporter, month), moment) for exporter, month, moment in con.execute(
        "select exporter_id, month, delivered_at from marts.deliveries").fetchall())
    assert delivered[("S2", may)] == datetime(2024, 6, 3, 8, 0)
    assert delivered[("S3", may)] == delivered[("S3", june)] == datetime(2024, 6, 20, 8, 0)
    assert delivered[("S2", april)] is None
    con.close()


def test_last_months_status_per_series(deliveries):
    status = {row["exporter_id"]: row["status"] for row in staff_page.month_status(
        deliveries, date(2024, 5, 1)).iter_rows(named=True)}
    assert status == {"S1": "late", "S2": "set_aside", "S3": "late"}
    april = staff_page.month_status(deliveries, date(2024, 4, 1))
    assert dict(april.select("exporter_id", "status").iter_rows()) == {
        "S1": "on_time", "S2": "missing"}  # S3 had not started
    # July is past the mart's last complete month: no row, yet every series is expected.
    july = staff_page.month_status(deliveries, date(2024, 7, 1))
    assert set(july["status"]) == {"missing"} and july.height == 3


def test_quarantine_jumps_against_the_exporters_earlier_months(deliveries):
    jumps = staff_page.quarantine_jumps(deliveries)
    # S1: June 1 of 2 rows (50 %) against 0 of 4 before; S3: 50 % in May and June (no jump);
    # S2: no earlier month with rows.
    assert jumps.select("exporter_id", "month", "rows", "rate", "earlier_rate").rows() == [
        ("S1", date(2024, 6, 1), 2, 0.5, 0.0)]


def test_the_staff_page_names_who_did_not_deliver_and_whose_quarantine_jumped(
        delivery_home, monkeypatch):
    monkeypatch.setattr(staff_page, "today", lambda: date(2024, 7, 3))
    resources = {"home": HomeResource(path=str(delivery_home.root))}
    assert dg.materialize([staff_deliveries], resources=resources).success
    path = delivery_home.staff_deliveries_page
    assert path == delivery_home.root / "published" / "suivi" / "livraisons.html"
    html = path.read_text(encoding="utf-8")
    assert "juin 2024" in html and "default-src 'none'" in html
    late = html[html.index('id="non-livres"'):html.index('id="quarantaine"')]
    assert late.count("<tr>") == 2  # the header, and S2: missing June
    assert "<tr><td>S2</td><td>orientations</td><td>default</td>" in late
    assert "non livré" in late and "S1" not in late and "S3" not in late
    jumps = html[html.index('id="quarantaine"'):]
    assert "<td>S1</td>" in jumps and "50\u202f%" in jumps and "S3" not in jumps
    assert not [name for name in os.listdir(path.parent) if name != "livraisons.html"]


def check_results(home: Home, monkeypatch, day: date,
                  home_path: str | dg.EnvVar | None = None) -> dict[str, dg.AssetCheckEvaluation]:
    """The delivery checks of ``home`` run after a stand-in for the (built) dbt model."""
    monkeypatch.setattr(staff_page, "today", lambda: day)

    @dg.asset(key=["marts", "deliveries"])
    def built():
        return None

    checks = delivery_checks(str(home.root) if home_path is None else home_path)
    result = dg.materialize([built, *checks],
                            resources={"home": HomeResource(path=str(home.root))})
    assert result.success  # warnings never fail the run
    return {evaluation.check_name: evaluation
            for evaluation in result.get_asset_check_evaluations()}


def test_one_warning_per_exporter_that_missed_last_month(delivery_home, monkeypatch):
    results = check_results(delivery_home, monkeypatch, date(2024, 6, 5))  # May
    assert set(results) == {check_name("S1"), check_name("S2"), check_name("S3"),
                            OTHER_EXPORTERS}
    assert {name: result.passed for name, result in results.items()} == {
        check_name("S1"): False, check_name("S2"): False, check_name("S3"): False,
        OTHER_EXPORTERS: True}
    assert all(result.severity == dg.AssetCheckSeverity.WARN for result in results.values())
    assert results[check_name("S2")].metadata["month"].value == "2024-05"
    assert "fichier refusé" in results[check_name("S2")].metadata["series"].value

    june = check_results(delivery_home, monkeypatch, date(2024, 7, 3))
    assert {name: result.passed for name, result in june.items()} == {
        check_name("S1"): True, check_name("S2"): False, check_name("S3"): True,
        OTHER_EXPORTERS: True}


def test_exporters_unknown_when_the_definitions_loaded_share_one_check(delivery_home,
                                                                     monkeypatch):
    monkeypatch.delenv("RESEAU_HOME_UNSET", raising=False)
    checks = delivery_checks(dg.EnvVar("RESEAU_HOME_UNSET"))
    assert [key.name for key in checks[0].check_keys] == [OTHER_EXPORTERS]
    (other,) = check_results(delivery_home, monkeypatch, date(2024, 7, 3),
                             dg.EnvVar("RESEAU_HOME_UNSET")).values()
    assert not other.passed and other.metadata["late_or_missing"].value == ["S2"]
    monkeypatch.setenv("RESEAU_HOME_SET", str(delivery_home.root))
    names = {key.name for key in delivery_checks(dg.EnvVar("RESEAU_HOME_SET"))[0].check_keys}
    assert names == {check_name(e) for e in ("S1", "S2", "S3")} | {OTHER_EXPORTERS}


def test_check_names_are_valid_and_distinct_for_any_folder_name():
    names = [check_name(exporter) for exporter in ("S1", "S_1", "S-1", "S 1", "Sé1")]
    assert len(set(names)) == len(names)
    assert all(name.replace("_", "").isalnum() and name.isascii() for name in names)
    assert check_name("S1") == "delivered_on_time_S1"
