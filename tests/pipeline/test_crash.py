"""Runs killed with SIGKILL at many points: nothing published is ever half written, no
landed file is lost, the next run is never blocked, and it gives exactly what a clean run on
the same files gives. Two runs at once: the second says so in one line and exits 2.

Real processes, real signals: each run is `reseau run` in its own process group, killed when
its log reaches a point of the pipeline.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.cli.runner import run_pipeline
from reseau.home import Home
from tests.conftest import copy_tiny_home

RESEAU = str(Path(sys.executable).with_name("reseau"))
#: A delivery that changes May's and June's indicators: what the killed runs were publishing.
NEW_DELIVERY = (
    "referral_id,referral_date,origin_service_id,target_service_id,person_id,needs\n"
    "x1,2024-06-09,S3,S5,P1,justice\nx2,2024-05-21,S3,S1,P9,justice\n")
#: Where runs are killed: a line of their log, and how long after it. One month's reports
#: published and not the other's stands for every publication step: funder files, reports
#: and the snapshot are all put in place the same way.
KILL_POINTS = [
    ("reseau: running", 0.5),                 # starting: the run lock taken, Dagster loading
    ("landing: ", 0.0),                       # just after the new files' commit
    ("warehouse_models - Found ", 2.0),       # in the middle of the warehouse's dbt build
    ("reports 1/", 0.0),                      # May's reports published, June's not yet
]


def deliver(root: Path) -> None:
    path = root / "landing" / "referrals" / "S3" / "S3_2024-06.csv"
    path.write_text(NEW_DELIVERY, encoding="utf-8")
    os.utime(path, (1_800_000_000, 1_800_000_000))


def reseau_run(root: Path, **options) -> subprocess.Popen:
    return subprocess.Popen([RESEAU, "run", "--home", str(root)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            **options)


def run_to_the_end(root: Path) -> str:
    process = reseau_run(root)
    _, log = process.communicate(timeout=600)
    assert process.returncode == 0, log[-3000:]
    return log


def kill_when(process: subprocess.Popen, marker: str, delay: float) -> list[str]:
    """Read the run's log until ``marker``, then SIGKILL its whole process group (dbt too)."""
    lines = []
    for line in process.stderr:
        lines.append(line)
        if marker in line:
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            return lines
    pytest.fail(f"the run ended (exit {process.wait()}) before {marker!r}:\n"
                + "".join(lines[-30:]))


def content(path: Path):
    """A file's content: its bytes, or for a workbook its cells (a workbook records when it
    was written)."""
    if path.suffix != ".xlsx":
        return path.read_bytes()
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    finally:
        book.close()


def month_files(root: Path) -> dict[str, object]:
    """Every published file of every month, by path relative to published/."""
    published = root / "published"
    return {path.relative_to(published).as_posix(): content(path)
            for path in sorted(published.glob("[0-9]*/**/*")) if path.is_file()}


def groups(files: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    """The files of each (month, asset): funder files, or reports."""
    grouped: dict[tuple[str, str], dict[str, object]] = {}
    for name, content in files.items():
        month, rest = name.split("/", 1)
        asset = "reports" if rest.startswith("rapports/") else "funder_files"
        grouped.setdefault((month, asset), {})[name] = content
    return grouped


def snapshot_state(root: Path):
    """What the analysts' snapshot holds: its files and indicators (None if none yet)."""
    path = root / "published" / "reseau.duckdb"
    if not path.exists():
        return None
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (con.execute("select file, status, rows_read from marts.load_audit "
                            "order by file").fetchall(),
                con.execute("select * from marts.territory_indicators order by all").fetchall(),
                con.execute("select * from marts.neglected_services order by all").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def before_and_clean(tiny_run, tmp_path_factory):
    """The tiny home's published state before the new delivery, and a clean run with it."""
    clean = copy_tiny_home(tmp_path_factory.mktemp("clean") / "tiny")
    deliver(clean)
    assert run_pipeline(Home.open(clean))  # in this process: the one to compare with
    return ((month_files(tiny_run.root), snapshot_state(tiny_run.root)),
            (month_files(clean), snapshot_state(clean)))


def assert_whole(root: Path, before, after, where: str) -> None:
    """Every (month, asset) group of files, and the snapshot, is as it was or as the clean
    run made it: never a mix, never missing."""
    now = groups(month_files(root))
    old, new = groups(before[0]), groups(after[0])
    assert set(now) == set(old) | set(new) or set(now) == set(old), where
    for key, files in now.items():
        assert files in (old.get(key), new.get(key)), (where, key)
    assert snapshot_state(root) in (before[1], after[1]), where


def test_runs_killed_anywhere_never_block_the_next_which_gives_the_clean_result(
        tiny_run_copy, before_and_clean):
    root = tiny_run_copy.root
    before, after = before_and_clean
    deliver(root)
    landed = sorted(p.relative_to(root) for p in (root / "landing").rglob("*") if p.is_file())
    for number, (marker, delay) in enumerate(KILL_POINTS):
        process = reseau_run(root)
        if number == 1:
            # Two runs at once: the second says so in one line, exit 2, and changes nothing.
            for line in process.stderr:
                if line.startswith("reseau: running"):
                    break
            second = subprocess.run([RESEAU, "run", "--home", str(root)], capture_output=True,
                                    text=True, timeout=300)
            assert second.returncode == 2, second.stderr[-2000:]
            assert second.stderr.count("\n") == 1, second.stderr
            assert "a run is in progress" in second.stderr
        kill_when(process, marker, delay)
        assert_whole(root, before, after, f"killed at {marker!r}")
        assert sorted(p.relative_to(root) for p in (root / "landing").rglob("*")
                      if p.is_file()) == landed, "a landed file went missing"

    log = run_to_the_end(root)
    assert "has no process any more" in log  # the last killed run, released in one line
    assert month_files(root) == after[0]
    assert snapshot_state(root) == after[1]
    # In the home's run history: the first run, every killed one failed (the one killed
    # while starting may have been killed before Dagster recorded it), the last one.
    first, *killed, last = run_statuses(root)
    assert (first, last) == ("SUCCESS", "SUCCESS")
    assert killed == ["FAILURE"] * len(killed) and len(killed) >= len(KILL_POINTS) - 1


def run_statuses(root: Path) -> list[str]:
    """The statuses of the home's runs, oldest first (read in a process of its own, as an
    operator would, with the home's DAGSTER_HOME)."""
    script = ("import dagster as dg\n"
              "for run in reversed(dg.DagsterInstance.get().get_runs()):\n"
              "    print(run.status.value)\n")
    env = {**os.environ, "DAGSTER_HOME": str(root / ".reseau" / "dagster")}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True).stdout.split()
