"""Build réseau's shipped reference data from the ``@etalab/decoupage-administratif`` tarball.

Usage (from the repository root)::

    npm pack @etalab/decoupage-administratif@6.0.0
    python tools/build_reference_data.py etalab-decoupage-administratif-6.0.0.tgz

Reads ``package/data/{communes,departements,regions}.json`` straight from the npm tarball and
writes, relative to the repository root:

- ``pipelines/ingest/data/cog/v_{commune,departement,region}_2026.csv``: the INSEE COG 2026
  in INSEE's own CSV layout (UTF-8, every field quoted, ``\\n`` line ends);
- ``pipelines/ingest/data/postcodes/codes_postaux_2026.csv``: La Poste's postcodes as
  (postcode, INSEE commune code) pairs;
- ``reseau_synthetic/data/communes_population_2026.csv``: legal populations by commune.

Standard library only; the output depends on the tarball alone (no dates, sorted rows), so
running it twice gives the same bytes. Provenance: ``pipelines/ingest/data/README.md``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import tarfile
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COG_DIR = ROOT / "pipelines" / "ingest" / "data" / "cog"
POSTCODE_FILE = ROOT / "pipelines" / "ingest" / "data" / "postcodes" / "codes_postaux_2026.csv"
POPULATION_FILE = ROOT / "reseau_synthetic" / "data" / "communes_population_2026.csv"

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"

# INSEE's v_commune lists metropolitan France and the DROM; the collectivités d'outre-mer
# (975, 977, 978, 984, 986-989) are in another INSEE file, so they are left out here.
ZONES = {"metro", "drom"}

TYPECOM = {
    "commune-actuelle": "COM",
    "commune-deleguee": "COMD",
    "commune-associee": "COMA",
    "arrondissement-municipal": "ARM",
}
# Within one code the COM row comes first (584 COMD share their code with their COM).
TYPECOM_ORDER = {"COM": 0, "COMD": 1, "COMA": 2, "ARM": 3}

# TNCC ("type de nom en clair") -> the article that starts LIBELLE; 0 and 1 have none.
ARTICLES = {2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}

COMMUNE_HEADER = ("TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR",
                  "LIBELLE", "CAN", "COMPARENT")
DEPARTEMENT_HEADER = ("DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE")
REGION_HEADER = ("REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE")

NCC_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


# --- reading ------------------------------------------------------------------------------


def read_package(tarball: Path) -> dict[str, list[dict]]:
    """The package's communes, départements and régions, read from the npm tarball."""
    with tarfile.open(tarball, "r:gz") as archive:
        def load(name: str):
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{tarball}: package/{name} is missing")
            return json.loads(member.read().decode("utf-8"))

        manifest = load("package.json")
        if (manifest.get("name"), manifest.get("version")) != (PACKAGE, VERSION):
            raise SystemExit(f"{tarball} is {manifest.get('name')} {manifest.get('version')}, "
                             f"expected {PACKAGE} {VERSION}")
        return {name: load(f"data/{name}.json")
                for name in ("communes", "departements", "regions")}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# --- names ---------------------------------------------------------------------------------


def nccenr(libelle: str, tncc: int) -> str:
    """LIBELLE without the article that TNCC says it starts with."""
    article = ARTICLES.get(tncc)
    if article is None:
        return libelle
    if not libelle.startswith(article):
        raise ValueError(f"{libelle!r}: TNCC {tncc} says it starts with {article!r}")
    return libelle[len(article):]


def ncc(rich_name: str) -> str:
    """INSEE's upper-case form: no accents, ligatures spelt out, hyphens and apostrophes as
    spaces, parentheses dropped (``Château-Chinon (Ville)`` -> ``CHATEAU CHINON VILLE``)."""
    text = unicodedata.normalize("NFKD", rich_name.translate(LIGATURES))
    text = "".join(char for char in text if not unicodedata.combining(char))
    for char in "-'":
        text = text.replace(char, " ")
    for char in "()":
        text = text.replace(char, "")
    text = " ".join(text.upper().split())
    if not set(text) <= NCC_ALLOWED:
        raise ValueError(f"{rich_name!r}: unexpected characters in NCC {text!r}")
    return text


# --- writing -------------------------------------------------------------------------------


def write_quoted(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """INSEE's layout: UTF-8 without BOM, comma, every field quoted, ``\\n`` line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_plain(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A plain CSV (minimal quoting) for réseau's own tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def in_cog(commune: dict) -> bool:
    return commune["zone"] in ZONES


def build_communes(communes: list[dict]) -> tuple[Path, Counter]:
    """``v_commune_2026.csv``: COM, COMD, COMA and ARM rows of metropolitan France and DROM.

    As INSEE publishes them, COMD and COMA rows carry no REG, DEP, CTCD, ARR or CAN: only
    COMPARENT (the package's ``chefLieu``) places them. ARM rows keep REG, DEP and ARR and
    name their commune (``commune``: 75056, 69123 or 13055) in COMPARENT. CTCD and CAN are
    not in the package and stay empty.
    """
    rows = []
    for commune in filter(in_cog, communes):
        typecom = TYPECOM[commune["type"]]
        tncc = commune["typeLiaison"]
        libelle = commune["nom"]
        rich = nccenr(libelle, tncc)
        if typecom in ("COMD", "COMA"):
            reg = dep = arr = ""
            parent = commune["chefLieu"]
        else:
            reg, dep, arr = commune["region"], commune["departement"], commune["arrondissement"]
            parent = commune["commune"] if typecom == "ARM" else ""
        rows.append((typecom, commune["code"], reg, dep, "", arr, str(tncc), ncc(rich), rich,
                     libelle, "", parent))
    rows.sort(key=lambda row: (row[1], TYPECOM_ORDER[row[0]]))
    path = COG_DIR / "v_commune_2026.csv"
    write_quoted(path, COMMUNE_HEADER, rows)
    return path, Counter(row[0] for row in rows)


def build_departements(departements: list[dict]) -> tuple[Path, int]:
    """``v_departement_2026.csv``: the 101 départements of metropolitan France and DROM.

    The package's ``nom`` has no article (``Ain``, ``Vaucluse``), as INSEE's LIBELLE and
    NCCENR for départements, so it fills both.
    """
    rows = []
    for dep in departements:
        if dep["zone"] not in ZONES:
            continue
        name, tncc = dep["nom"], dep["typeLiaison"]
        if tncc in ARTICLES and name.startswith(ARTICLES[tncc]):
            raise ValueError(f"département {dep['code']}: {name!r} already has its article")
        rows.append((dep["code"], dep["region"], dep["chefLieu"], str(tncc), ncc(name), name,
                     name))
    rows.sort()
    path = COG_DIR / "v_departement_2026.csv"
    write_quoted(path, DEPARTEMENT_HEADER, rows)
    return path, len(rows)


def build_regions(regions: list[dict]) -> tuple[Path, int]:
    """``v_region_2026.csv``: the 18 régions (13 metropolitan, 5 DROM); ``nom`` as for
    départements fills both NCCENR and LIBELLE."""
    rows = []
    for reg in regions:
        if reg["zone"] not in ZONES:
            continue
        name, tncc = reg["nom"], reg["typeLiaison"]
        if tncc in ARTICLES and name.startswith(ARTICLES[tncc]):
            raise ValueError(f"région {reg['code']}: {name!r} already has its article")
        rows.append((reg["code"], reg["chefLieu"], str(tncc), ncc(name), name, name))
    rows.sort()
    path = COG_DIR / "v_region_2026.csv"
    write_quoted(path, REGION_HEADER, rows)
    return path, len(rows)


def build_postcodes(communes: list[dict]) -> tuple[Path, int, int]:
    """``codes_postaux_2026.csv``: one line per distinct (postcode, commune) pair.

    Taken from ``codesPostaux`` of COM and ARM rows (the package takes them from La Poste's
    base officielle des codes postaux). A postcode may serve several communes, and a city
    with arrondissements (Paris, Lyon, Marseille) and its ARM both list the ARM's postcodes.
    """
    pairs = {
        (postcode, commune["code"])
        for commune in filter(in_cog, communes)
        if TYPECOM[commune["type"]] in ("COM", "ARM")
        for postcode in commune.get("codesPostaux", ())
    }
    path = POSTCODE_FILE
    write_plain(path, ("code_postal", "code_commune_insee"), sorted(pairs))
    return path, len(pairs), len({postcode for postcode, _ in pairs})


def build_populations(communes: list[dict]) -> tuple[Path, int]:
    """``communes_population_2026.csv``: COM and ARM rows with a population above zero.

    Both a city with arrondissements and its ARM are listed: do not add them up. Communes
    with no inhabitants (the Meuse villages "morts pour la France") are left out.
    """
    rows = sorted(
        (commune["code"], str(commune["population"]))
        for commune in filter(in_cog, communes)
        if TYPECOM[commune["type"]] in ("COM", "ARM") and commune.get("population", 0) > 0
    )
    path = POPULATION_FILE
    write_plain(path, ("code_commune_insee", "population"), rows)
    return path, len(rows)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tarball = Path(argv[1])
    data = read_package(tarball)
    print(f"{tarball.name} sha256 {sha256(tarball)}")
    path, counts = build_communes(data["communes"])
    print(f"{path.relative_to(ROOT)}: {sum(counts.values())} rows {dict(sorted(counts.items()))}")
    for build, key in ((build_departements, "departements"), (build_regions, "regions")):
        path, count = build(data[key])
        print(f"{path.relative_to(ROOT)}: {count} rows")
    path, pairs, postcodes = build_postcodes(data["communes"])
    print(f"{path.relative_to(ROOT)}: {pairs} pairs, {postcodes} distinct postcodes")
    path, count = build_populations(data["communes"])
    print(f"{path.relative_to(ROOT)}: {count} communes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
