"""A real deployment: `reseau serve` on the tiny home (after one `reseau run` by hand), its
Dagster instance in a throwaway PostgreSQL cluster, and no other command. Files loaded
already start no run; a new delivery is published by one sensor run (funder files, reports,
snapshot), the schedule is on, and a failed run is e-mailed; SIGTERM stops it all. The
tests run in this order on one served home."""

import json
import os
import re
import signal
import time
import urllib.request
from pathlib import Path

import duckdb
import psycopg2
import pytest

from pipelines.cli.runner import psycopg2_url

#: The first run waits for the code server to load (and parse the dbt project).
TIMEOUT = 420
MONTHS = ("2024-05", "2024-06")
SENSOR = "landing_sensor"


def child_pids(output: str) -> list[int]:
    """The webserver's and the daemon's process ids, as `reseau serve` prints them."""
    pids = [int(webserver or daemon) for webserver, daemon
            in re.findall(r"\(webserver pid (\d+)\)|\(pid (\d+)\)", output)]
    assert len(pids) == 2, output[:2000]
    return pids


def sensor_runs(served) -> list[dict]:
    """The landing sensor's runs, oldest first, read straight from PostgreSQL's runs table."""
    with psycopg2.connect(served.postgres_url) as con, con.cursor() as cursor:
        cursor.execute("select run_id, status, run_body from runs order by create_timestamp")
        rows = cursor.fetchall()
    runs = []
    for run_id, status, body in rows:
        tags = json.loads(body).get("tags", {})
        if tags.get("dagster/sensor_name") == SENSOR:
            runs.append({"run_id": run_id, "status": status, "tags": tags})
    return runs


def wait_for_runs(served, count: int, status: str = "SUCCESS") -> list[dict]:
    """Wait until the sensor has launched ``count`` runs and the last one ended."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"reseau serve exited with {served.process.returncode}:\n"
                        f"{served.output()[-5000:]}")
        runs = sensor_runs(served)
        if len(runs) >= count and runs[count - 1]["status"] in ("SUCCESS", "FAILURE",
                                                                  "CANCELED"):
            assert runs[count - 1]["status"] == status, served.output()[-8000:]
            return runs
        time.sleep(2)
    pytest.fail(f"the sensor's run {count} did not end within {TIMEOUT} s "
                f"({sensor_runs(served)}):\n{served.output()[-5000:]}")


def deliver(served, relative: str, text: str, mtime: int) -> None:
    """Land an export whole, with its final modification time: written and dated beside the
    home, then renamed into it, so that no sensor tick sees it half-delivered (a tick between
    writing and dating it would see two deliveries)."""
    staged = served.root.parent / Path(relative).name
    staged.write_text(text, encoding="utf-8")
    os.utime(staged, (mtime, mtime))
    os.replace(staged, served.root / relative)


def published_files(served) -> dict[str, tuple[int, int]]:
    """Funder files, reports and the snapshot: path -> (inode, mtime)."""
    published = served.root / "published"
    paths = [published / "reseau.duckdb"]
    for month in MONTHS:
        paths += sorted((published / month).glob("indicateurs_*.csv"))
        paths += sorted((published / month / "rapports").glob("*.html"))
    return {str(path.relative_to(published)): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in paths if path.exists()}


def audited_files(served) -> list[str]:
    con = duckdb.connect(str(served.root / "published" / "reseau.duckdb"), read_only=True)
    try:
        return [row[0] for row in con.sql("select file from marts.load_audit").fetchall()]
    finally:
        con.close()


def sensor_skips(served) -> str:
    """Why the landing sensor's ticks skipped, read from PostgreSQL's ticks table."""
    with psycopg2.connect(served.postgres_url) as con, con.cursor() as cursor:
        cursor.execute("select tick_body from job_ticks order by id")
        bodies = [json.loads(body) for (body,) in cursor.fetchall()]
    return "\n".join(body.get("skip_reason") or "" for body in bodies
                     if body.get("job_name") == SENSOR)


def graphql(served, query: str) -> dict:
    request = urllib.request.Request(f"{served.url}/graphql",
                                     data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


def test_files_already_loaded_by_hand_start_no_run(served):
    """The sensor's first ticks see every landed file as new to it, but the snapshot holds
    them all: no run (and the instance is in PostgreSQL, nothing in sqlite)."""
    deadline = time.monotonic() + TIMEOUT
    while "no new landing file" not in sensor_skips(served) and time.monotonic() < deadline:
        time.sleep(2)
    assert "the changed files are loaded already" in sensor_skips(served)
    assert sensor_runs(served) == []
    written = (served.dagster_home / "dagster.yaml").read_text()
    assert f'postgres_url: "{psycopg2_url(served.postgres_url)}"' in written
    assert not list(served.dagster_home.glob("**/*.db"))


def test_a_delivery_is_published_by_one_sensor_run(served):
    before = published_files(served)
    for month in MONTHS:
        assert {f"{month}/indicateurs_departement.csv", f"{month}/indicateurs_region.csv",
                f"{month}/rapports/region-11.html"} <= set(before)
    deliver(served, "landing/referrals/S3/S3_2024-06.csv",
            "referral_id,referral_date,origin_service_id,target_service_id,person_id,needs\n"
            "x3,2024-06-09,S3,S5,P1,justice\n", 1_800_000_000)
    runs = wait_for_runs(served, 1)
    assert len(runs) == 1  # one run for the delivery
    assert (runs[0]["tags"]["dagster/asset_partition_range_start"],
            runs[0]["tags"]["dagster/asset_partition_range_end"]) == ("2024-06-01", "2024-06-01")
    assert any("S3_2024-06.csv" in file for file in audited_files(served))
    after = published_files(served)
    replaced = {path for path in before if after.get(path) != before[path]}
    assert "reseau.duckdb" in replaced
    assert {"2024-06/indicateurs_departement.csv", "2024-06/indicateurs_region.csv",
            "2024-06/rapports/region-11.html"} <= replaced
    # The month the delivery does not touch stays as published.
    assert not any(path.startswith("2024-05/") for path in replaced)


def test_the_schedule_runs_in_the_served_instance(served):
    data = graphql(served, """{ repositoriesOrError { ... on RepositoryConnection { nodes {
        location { name }
        schedules { name scheduleState { status } futureTicks(limit: 1) { results { timestamp } } }
        sensors { name sensorState { status } } } } } }""")
    (repository,) = data["repositoriesOrError"]["nodes"]
    schedules = {schedule["name"]: schedule for schedule in repository["schedules"]}
    schedule = schedules["monthly_on_the_5th"]
    assert schedule["scheduleState"]["status"] == "RUNNING"
    (tick,) = schedule["futureTicks"]["results"]
    assert time.gmtime(tick["timestamp"]).tm_mday == 5
    sensors = {sensor["name"]: sensor["sensorState"]["status"] for sensor in repository["sensors"]}
    assert sensors == {SENSOR: "RUNNING", "email_on_run_failure": "RUNNING"}


def test_a_failed_sensor_run_is_emailed_by_the_daemon(served, smtp):
    (served.root / "reference" / "services.csv").unlink()
    deliver(served, "landing/referrals/S1/S1_2024-06_v3.csv",
            "referral_id,referral_date,origin_service_id,target_service_id,person_id,needs\n"
            "x9,2024-06-20,S1,S3,P2,justice\n", 1_800_000_100)
    runs = wait_for_runs(served, 2, status="FAILURE")
    assert len(runs) == 2  # one run for the delivery
    run = runs[1]
    deadline = time.monotonic() + 120  # the failure sensor looks every 30 s
    while not smtp.received() and time.monotonic() < deadline:
        time.sleep(2)
    ((envelope, message),) = smtp.received()
    assert envelope["rcpt_tos"] == ["equipe@obs.example.org"]
    assert message["Subject"].startswith("[réseau] Échec de monthly_indicators")
    assert run["run_id"][:8] in message["Subject"]
    body = message.get_content()
    assert f"Run : {run['run_id']}" in body
    assert "Lancé par : le capteur landing_sensor" in body
    assert "reference_tables : UnusableReference" in body


def test_sigterm_stops_the_webserver_the_daemon_and_their_code_servers(served):
    children = child_pids(served.output())
    os.killpg(served.process.pid, signal.SIGTERM)
    assert served.process.wait(timeout=90) == 0
    assert "reseau: stopped" in served.output()
    for pid in children:  # each led its own group: its code server and run workers
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
