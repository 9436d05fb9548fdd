"""Time one part of a run on a bench home, to see where `make bench`'s stages go.

    python -m bench.profile indicators bench-homes/home-1000000 [--months 4] [--cprofile]
    python -m bench.profile reading bench-homes/home-1000000 [--files 500] [--cprofile]
    python -m bench.profile spilling bench-homes/home-1000000 [--files 500] [--cprofile]

- ``indicators``: the territory indicators of the last ``--months`` months, from the home's
  warehouse (after a run), their inputs read and computed as the asset does;
- ``reading``: the first ``--files`` landed referral files, read one after the other as the
  ingest reads each;
- ``spilling``: the first ``--files`` landed referral files read in parallel as ``reseau
  run`` reads them for their months, without keeping them, then with every file's rows
  written to disk (a read-ahead budget of nothing), then those rows read back.

Prints the wall times, and with ``--cprofile`` the 25 functions that took longest
(cumulative). Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections.abc import Callable
from pathlib import Path


def _timed(label: str, work: Callable[[], object], profile: bool) -> None:
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    work()
    if profiler:
        profiler.disable()
    print(f"{label}: {time.perf_counter() - start:.1f} s")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def indicators(home: Path, months: int, profile: bool) -> None:
    import duckdb

    from pipelines.orchestration.assets.indicators import territory_inputs, territory_pieces

    with duckdb.connect(str(home / "warehouse" / "reseau.duckdb"), read_only=True) as con:
        every = [month for (month,) in con.execute(
            "select distinct month from marts.fct_referrals order by month").fetchall()]
        ends = every[-months:]
        start = time.perf_counter()
        inputs = territory_inputs(con, ends)
    print(f"inputs of {len(ends)} month(s) read: {time.perf_counter() - start:.1f} s, "
          f"{inputs.referrals.height:,} referrals")
    _timed("territory indicators", lambda: list(territory_pieces(inputs, ends)), profile)


def reading(home: Path, files: int, profile: bool) -> None:
    from pipelines.ingest.columns import EXPORT_KINDS
    from pipelines.ingest.readers import read_delivery

    kind = EXPORT_KINDS["referrals"]
    paths = sorted((home / "landing" / "referrals").glob("*/*"))[:files]
    _timed(f"{len(paths)} files read", lambda: [read_delivery(path, kind) for path in paths],
           profile)


def spilling(home: Path, files: int, profile: bool) -> None:
    from pipelines.ingest import landing
    from reseau.home import Home

    opened = Home.open(home)
    only = set(sorted((home / "landing" / "referrals").glob("*/*"))[:files])
    _timed(f"{len(only)} files read in parallel",
           lambda: sum(1 for _ in landing.read_pending(None, opened, only)), profile)
    type(opened).memory_bytes = lambda _: 0  # a budget of nothing: every file goes to disk
    _timed(f"{len(only)} files read in parallel, their rows written to disk",
           lambda: sum(1 for _ in landing.read_pending(None, opened, only, keep=True)), profile)
    kept = list(landing._READ_AHEAD._kept)
    _timed(f"{len(kept)} files' rows read back", lambda: [landing._READ_AHEAD.take(key)
                                                          for key in kept], profile)
    landing.forget_read_ahead()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["indicators", "reading", "spilling"])
    parser.add_argument("home", type=Path)
    parser.add_argument("--months", type=int, default=4)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    {"indicators": lambda: indicators(args.home, args.months, args.cprofile),
     "reading": lambda: reading(args.home, args.files, args.cprofile),
     "spilling": lambda: spilling(args.home, args.files, args.cprofile)}[args.part]()


if __name__ == "__main__":
    main()
