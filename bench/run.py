"""`make bench`: wall time and peak memory of the whole run and of each stage.

Generates (once) homes of 100,000 and 1,000,000 referrals under ./bench-homes, then, on a
fresh warehouse each time, times `reseau run` whole and stage by stage (ingest, dbt,
indicators), each in its own process. Peak memory is the largest resident set of the
process and of the processes it waited for (dbt runs as a child). Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESEAU = str(Path(sys.executable).with_name("reseau"))
SIZES = (100_000, 1_000_000)
STAGES = ("ingest", "dbt", "indicators")


def measure(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, peak RSS in MiB); raise if it fails."""
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: `{' '.join(command)}` failed; see {log}")
    return elapsed, usage.ru_maxrss / 1024


def fresh_warehouse(home: Path) -> None:
    for folder in ("warehouse", "published", ".reseau", "rejected"):
        shutil.rmtree(home / folder, ignore_errors=True)


def bench_size(referrals: int, root: Path, env: dict[str, str]) -> list[tuple[str, float, float]]:
    home = root / f"home-{referrals}"
    log = root / f"bench-{referrals}.log"
    log.write_text("", encoding="utf-8")
    rows = []
    if not (home / "landing").exists():
        shutil.rmtree(home, ignore_errors=True)
        rows.append(("generate", *measure(
            [RESEAU, "generate", "--home", str(home), "--referrals", str(referrals)], env, log)))
    fresh_warehouse(home)
    rows.append(("whole run", *measure([RESEAU, "run", "--home", str(home)], env, log)))
    fresh_warehouse(home)
    for stage in STAGES:
        rows.append((f"  {stage}", *measure(
            [RESEAU, "run", "--home", str(home), "--stage", stage], env, log)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--root", type=Path, default=ROOT / "bench-homes")
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RESEAU_PSEUDONYM_KEY": os.environ.get("RESEAU_PSEUDONYM_KEY", "bench")}
    print(f"{'referrals':>10}  {'step':<12} {'wall (s)':>9} {'peak (MiB)':>11}")
    for referrals in args.sizes:
        for step, wall, peak in bench_size(referrals, args.root, env):
            print(f"{referrals:>10,}  {step:<12} {wall:>9.1f} {peak:>11.0f}", flush=True)


if __name__ == "__main__":
    main()
