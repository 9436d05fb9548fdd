"""`make bench`: how long réseau takes, and how much memory, on generated regions.

For each size (referrals over 24 months; 100,000, 1,000,000 and 10,000,000 by default, the
last with 5,000 services), generated once under ./bench-homes:

- **full run**: `reseau run` on an empty warehouse, with the last month held back (23 months
  of history);
- **monthly run**: the last month's files delivered, then `reseau run --month <last>`, as
  the landing sensor or the schedule would start it;
- **floor**: a bare DuckDB read of the same CSV exports and a per-département HHI of the
  referrals' targets, in its own process: what reading the data at all costs here.

Each run's stages (start-up, ingest, dbt, checks, indicators, publication) are timed from the
run's own Dagster event log; their peak memory is the largest proportional resident set
(PSS: shared pages counted once) of the run's process tree (Chromium included) sampled
while they ran. The whole run's peak is the kernel's (``ru_maxrss``, of its largest
process). The table is printed and kept in bench/results.md, with the date,
the commit and the targets of issue 14. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESEAU = str(Path(sys.executable).with_name("reseau"))
SIZES = (100_000, 1_000_000, 10_000_000)
#: Services of the generated directory, where the generator's default (about 330 to 650,
#: growing with the referrals) is not what a région of that size has.
SERVICES = {10_000_000: 5_000}
#: The Dagster steps of each stage (any other step: "other").
STAGES = {
    "ingest": ("landing_exports", "reference_tables", "raw__"),
    "dbt": ("warehouse_models", "indicator_marts", "published__dbt_docs"),
    "checks": ("marts__", "deliveries_on_time"),
    "indicators": ("territory_indicator_values", "network_position_values"),
    "publication": ("published__",),
}
#: Issue 14's targets: (size, run) -> (seconds, peak GiB or None).
TARGETS = {
    (1_000_000, "full run"): (60, 2),
    (10_000_000, "full run"): (360, 8),
    (1_000_000, "monthly run"): (15, None),
    (10_000_000, "monthly run"): (30, None),
}
FLOOR_SQL = """
with referrals as (
    select left(person_commune, 2) as departement, target_service_id
    from read_csv('{landing}/referrals/*/*.csv', all_varchar = true)
),
counts as (
    select departement, target_service_id, count(*) as n from referrals group by all
)
select departement, sum((n / total) ^ 2) as hhi
from (select *, sum(n) over (partition by departement) as total from counts)
group by departement
"""


def _proportional_bytes(pid: int) -> int:
    """A process's proportional resident memory (each page shared with other processes
    counted for its share: a child forked by a large process, before it runs its program,
    would otherwise count the parent's pages twice); its resident memory where the kernel
    does not say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Sampler:
    """The resident memory of a process and its children (proportional: shared pages
    counted once), sampled every 0.2 s."""

    def __init__(self, pid: int):
        self.pid, self.samples = pid, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        pids, total = [self.pid], 0
        while pids:
            pid = pids.pop()
            try:
                total += _proportional_bytes(pid)
                with open(f"/proc/{pid}/task/{pid}/children") as children:
                    pids.extend(int(child) for child in children.read().split())
            except (OSError, ValueError):
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), self._tree_rss()))
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, end: float) -> float:
        """Peak MiB between two times (0 if no sample fell between them)."""
        return max((rss for at, rss in self.samples if start <= at <= end), default=0) / 2**20


def measure(command: list[str], env: dict[str, str], log: Path, *, may_fail: bool = False
            ) -> tuple[float, float, Sampler, float, str | None]:
    """Run ``command``; return (wall seconds, peak MiB, its sampler, start time, how it
    failed or None). A failure stops the bench unless ``may_fail``."""
    start = time.time()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        sampler.stop()
    code = os.waitstatus_to_exitcode(status)
    failure = None
    if code < 0 and -code == signal.SIGKILL:
        failure = "killed (SIGKILL: out of memory?)"
    elif code:
        failure = f"failed (exit {code})" if code > 0 else f"killed ({signal.Signals(-code).name})"
    if failure and not may_fail:
        raise SystemExit(f"bench: `{' '.join(command)}` {failure}; see {log}")
    return time.time() - start, usage.ru_maxrss / 1024, sampler, start, failure


def steps(home: Path) -> list[tuple[str, float, float]]:
    """(step, start, end) of the home's last run, from its Dagster event log."""
    runs = home / ".reseau" / "dagster" / "history" / "runs"
    last = max((path for path in runs.glob("*.db") if path.stem != "index"),
               key=lambda path: path.stat().st_mtime)
    con = sqlite3.connect(last)
    try:
        rows = con.execute("select timestamp, step_key, dagster_event_type from event_logs "
                           "where dagster_event_type in ('STEP_START', 'STEP_SUCCESS', "
                           "'STEP_FAILURE', 'STEP_SKIPPED') order by id").fetchall()
    finally:
        con.close()
    started, out = {}, []
    for stamp, step, kind in rows:
        at = dt.datetime.fromisoformat(str(stamp)).replace(tzinfo=dt.UTC).timestamp()
        if kind == "STEP_START":
            started[step] = at
        elif step in started:
            out.append((step, started.pop(step), at))
    return out


def stage_of(step: str) -> str:
    for stage, prefixes in STAGES.items():
        if step.startswith(prefixes):
            return stage
    return "other"


def run_rows(label: str, command: list[str], home: Path, env: dict[str, str],
             log: Path) -> list[tuple[str, float, float]]:
    """The run's row and one row per stage: (what, wall s, peak MiB); a run that failed is
    so labelled, with the stages it went through."""
    wall, peak, sampler, start, failure = measure(command, env, log, may_fail=True)
    timeline = steps(home)
    rows = [(f"{label} ({failure})" if failure else label, wall, peak)]
    first = min((begin for _, begin, _ in timeline), default=start + wall)
    rows.append(("  start-up", first - start, sampler.peak(start, first)))
    for stage in (*STAGES, "other"):
        spans = [(begin, end) for step, begin, end in timeline if stage_of(step) == stage]
        if spans:
            rows.append((f"  {stage}", sum(end - begin for begin, end in spans),
                         max(sampler.peak(begin, end) for begin, end in spans)))
    return rows


def last_month_files(home: Path) -> tuple[str, list[Path]]:
    """The generated region's last month, and its files (``<exporter>_<YYYY-MM>[_...].csv``)."""
    months = {path: found.group(1) for path in home.glob("landing/*/*/*.csv")
              if (found := re.search(r"_(\d{4}-\d{2})(?:_\w+)?\.csv$", path.name))}
    last = max(months.values())
    return last, sorted(path for path, month in months.items() if month == last)


def bench_size(referrals: int, root: Path, env: dict[str, str]) -> list[tuple]:
    home = root / f"home-{referrals}"
    log = root / f"bench-{referrals}.log"
    log.write_text("", encoding="utf-8")
    rows = []
    if not (home / "ground_truth.json").exists():
        shutil.rmtree(home, ignore_errors=True)
        services = [f"--services={SERVICES[referrals]}"] if referrals in SERVICES else []
        wall, peak, *_ = measure([RESEAU, "generate", "--home", str(home), "--referrals",
                                  str(referrals), *services], env, log)
        rows.append((referrals, "generate", wall, peak))
    held = home / "held-back"
    for path in held.glob("landing/*/*/*"):  # held back by a bench that was stopped
        path.rename(home / path.relative_to(held))
    for folder in ("warehouse", "published", ".reseau", "rejected", "data-docs", "held-back"):
        shutil.rmtree(home / folder, ignore_errors=True)
    month, last = last_month_files(home)
    for path in last:
        (held / path.relative_to(home)).parent.mkdir(parents=True, exist_ok=True)
        path.rename(held / path.relative_to(home))
    try:
        rows += [(referrals, *row) for row in run_rows(
            "full run", [RESEAU, "run", "--home", str(home)], home, env, log)]
    finally:
        for path in last:
            (held / path.relative_to(home)).rename(path)
    # The monthly run adds a month to the full run's warehouse: none if that run failed.
    completed = any(what == "full run" for _, what, *_ in rows)
    if completed:
        rows += [(referrals, *row) for row in run_rows(
            "monthly run", [RESEAU, "run", "--home", str(home), "--month", month], home, env,
            log)]
    floor = [sys.executable, "-c", "import duckdb, sys; print(duckdb.sql(sys.argv[1]).fetchall())",
             FLOOR_SQL.format(landing=(home / "landing").as_posix())]
    wall, peak, *_ = measure(floor, env, log)
    rows.append((referrals, "floor: DuckDB read + HHI", wall, peak))
    if completed:
        full = next(row[2] for row in rows if row[1] == "full run")
        rows.append((referrals, "full run ÷ floor", full / wall, None))
    return rows


def _target(referrals: int, what: str, wall: float, peak: float | None) -> str:
    """Issue 14's target for the row, and whether it is met; empty if it has none."""
    if what == "full run ÷ floor":
        return "" if referrals != 1_000_000 else f"≤ 10 ({'met' if wall <= 10 else 'not met'})"
    run, _, failure = what.partition(" (")
    if (referrals, run) not in TARGETS:
        return ""
    seconds, gib = TARGETS[referrals, run]
    met = not failure and wall <= seconds and (gib is None or peak <= gib * 1024)
    return f"≤ {seconds} s{f', ≤ {gib} GiB' if gib else ''} ({'met' if met else 'not met'})"


def table(rows: list[tuple]) -> str:
    """The rows as a Markdown table; stages are marked as such."""
    lines = ["| referrals | what | wall (s) | peak (MiB) | target |", "|---:|---|---:|---:|---|"]
    for referrals, what, wall, peak in rows:
        name = f"{what.strip()} (stage)" if what.startswith("  ") else what
        memory = "" if peak is None else f"{peak:.0f}"
        lines.append(f"| {referrals:,} | {name} | {wall:.1f} | {memory} | "
                     f"{_target(referrals, what, wall, peak)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--root", type=Path, default=ROOT / "bench-homes")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RESEAU_PSEUDONYM_KEY": os.environ.get("RESEAU_PSEUDONYM_KEY", "bench")}
    rows: list[tuple] = []
    for referrals in args.sizes:
        print(f"bench: {referrals:,} referrals (log: {args.root}/bench-{referrals}.log)",
              file=sys.stderr, flush=True)
        rows += bench_size(referrals, args.root, env)
        print(table([row for row in rows if row[0] == referrals]), flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "?"
    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                      capture_output=True, text=True).stdout.strip():
        commit += " (with uncommitted changes)"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    args.results.write_text(
        f"# `make bench` results\n\nMeasured {dt.date.today():%Y-%m-%d} at commit {commit}, on "
        f"{os.cpu_count()} cores and {memory:.0f} GiB (`python -m bench.run --sizes "
        f"{' '.join(map(str, args.sizes))}`). The stages are parts of each run, from its "
        f"Dagster event log; see bench/run.py.\n\n{table(rows)}\n", encoding="utf-8")
    print(f"bench: results in {args.results}", file=sys.stderr)


if __name__ == "__main__":
    main()
