"""A mutation probe of ``reseau_metrics``: flip each comparison, one at a time, and see whether
the unit tests notice.

Each comparison operator of the library (``<`` and ``<=``, ``>`` and ``>=``, ``==`` and
``!=``, in plain Python and in polars expressions alike) is replaced by its neighbour; the
library's tests (``tests/metrics`` and its doctests) then run with ``-x``. A mutant the tests
fail on is killed; one they pass is a survivor, printed with its place. The file is restored
after each run, even when interrupted (Ctrl-C or SIGTERM). It edits the library in place:
run it in a work tree nothing else is using.

    .venv/bin/python tools/mutation_probe.py [--only neglect.py] [pytest options]
"""

from __future__ import annotations

import argparse
import ast
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "reseau_metrics"
FLIPS = {ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="),
         ast.GtE: (">=", ">"), ast.Eq: ("==", "!="), ast.NotEq: ("!=", "==")}


def sites(path: Path) -> list[tuple[int, int, str, str]]:
    """(line, column, operator, its flip) of each comparison operator in ``path``'s code."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if type(op) in FLIPS:
                old, new = FLIPS[type(op)]
                # The operator sits between the end of its left operand and its right one.
                line = left.end_lineno
                text = lines[line - 1]
                start = left.end_col_offset
                end = right.col_offset if right.lineno == line else len(text)
                column = text.find(old, start, end)
                if column >= 0 and (old != "<" or text[column:column + 2] != "<=") \
                        and (old != ">" or text[column:column + 2] != ">="):
                    found.append((line, column, old, new))
            left = right
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one file of reseau_metrics, e.g. neglect.py")
    options, pytest_args = parser.parse_known_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` restores
    files = [LIBRARY / options.only] if options.only else sorted(LIBRARY.glob("*.py"))
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "tests/metrics", "reseau_metrics", *pytest_args]
    killed, survivors = 0, []
    for path in files:
        original = path.read_text(encoding="utf-8")
        for line, column, old, new in sites(path):
            lines = original.splitlines(keepends=True)
            text = lines[line - 1]
            lines[line - 1] = text[:column] + new + text[column + len(old):]
            started = time.monotonic()
            try:
                path.write_text("".join(lines), encoding="utf-8")
                outcome = subprocess.run(command, cwd=ROOT, capture_output=True)
            finally:
                path.write_text(original, encoding="utf-8")
            place = f"{path.relative_to(ROOT)}:{line}: {old} -> {new}"
            if outcome.returncode == 0:
                survivors.append(place)
            else:
                killed += 1
            print(f"{'killed  ' if outcome.returncode else 'SURVIVED'} {place} "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
    total = killed + len(survivors)
    print(f"\n{killed} of {total} mutants killed" + (":" if survivors else "."))
    for place in survivors:
        print(f"  survived: {place}")
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
