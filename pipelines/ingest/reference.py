"""Reference data (COG, directory, conventions, aliases, need codes) into ``raw.*``.

Reference files are small and authoritative as a whole, so each run replaces their tables.
Values stay text; dbt staging types and checks them.

The directory of services is ``reference/services.csv`` (canonical form) or
``reference/data-inclusion/`` (data·inclusion form: structures and services files, or the
producers' XLSX workbook, read by :mod:`pipelines.ingest.directory`);
when both are there, the canonical file wins and the folder is ignored (with an issue).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.ingest.directory import directory_files, read_directory
from pipelines.ingest.sectors import DirectoryIssue
from reseau.contract import EXTRA_NEED_CODES
from reseau.errors import UnusableReference
from reseau.home import Home

DATA = Path(__file__).parent / "data"
POSTCODES_FILE = DATA / "postcodes" / "codes_postaux_2026.csv"


def need_codes() -> pl.DataFrame:
    """Every need code: data·inclusion v1 thematiques and families, plus the contract's."""
    from data_inclusion.schema.v1.thematiques import Categorie, Thematique

    rows = [(c.value, c.value, c.label, "data-inclusion") for c in Categorie]
    rows += [(t.value, t.value.split("--")[0], t.label, "data-inclusion") for t in Thematique]
    rows += [(code, code, label, "reseau") for code, label in EXTRA_NEED_CODES.items()]
    return pl.DataFrame(rows, schema=["code", "family", "label", "source"], orient="row")


def _read_text_csv(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    return frame.with_row_index("row_number", offset=1).with_columns(
        pl.col("row_number").cast(pl.Int32), pl.lit(path.name).alias("file")
    )


def _latest(folder: Path, prefix: str) -> Path:
    candidates = sorted(folder.glob(f"{prefix}_*.csv"))
    if not candidates:
        raise UnusableReference(
            f"no {prefix}_<year>.csv in {folder}: put the INSEE COG files there "
            "(communes, départements, régions, official CSV format); `reseau init` installs "
            "the COG 2026"
        )
    return candidates[-1]


def directory_source(home: Home) -> Path:
    """``reference/services.csv`` if present, else ``reference/data-inclusion/`` (checked)."""
    services = home.reference / "services.csv"
    if services.is_file():
        return services
    folder = home.reference / "data-inclusion"
    if folder.is_dir():

        directory_files(folder)  # raises UnusableReference naming the missing file
        return folder
    raise UnusableReference(
        f"no directory of services: {services} is missing, and so is {folder}/; write the "
        "directory in the canonical form (docs/sources.md), or put data·inclusion files or the "
        "producers' XLSX workbook in that folder (the README.md that `reseau init` writes in a "
        "home says what goes where)"
    )


def required_files(home: Home) -> dict[str, Path]:
    """The reference files a run cannot do without; raises UnusableReference if one is absent.

    ``services`` is the canonical ``services.csv`` or the ``data-inclusion/`` folder.
    """
    return {
        "cog_communes": _latest(home.territories, "v_commune"),
        "cog_departements": _latest(home.territories, "v_departement"),
        "cog_regions": _latest(home.territories, "v_region"),
        "services": directory_source(home),
    }


def _services_frame(home: Home, source: Path, issues: list) -> pl.DataFrame:

    if source.is_dir():
        frame, found = read_directory(source, home.reference / "sectors.csv", home.limits)
        issues.extend(found)
        return frame
    if (home.reference / "data-inclusion").is_dir():
        issues.append(DirectoryIssue("data-inclusion/", "folder",
                                     "ignored: reference/services.csv is present and wins; "
                                     "remove one of the two"))
    frame = _read_text_csv(source)
    if "offers" not in frame.columns:  # offers come with a data·inclusion directory only
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("offers"))
    return frame


def postcodes() -> pl.DataFrame:
    """La Poste's postcode table shipped with réseau (``data/postcodes/``)."""
    return _read_text_csv(POSTCODES_FILE)


def reference_frames(home: Home, issues: list | None = None) -> dict[str, pl.DataFrame]:
    """Read every reference table of the home; optional files give empty tables.

    Problems met in the directory that do not stop the run (records left out, codes dropped,
    override lines ignored) are appended to ``issues`` when a list is given.
    """
    issues = [] if issues is None else issues
    files = required_files(home)
    frames = {
        **{name: _read_text_csv(path) for name, path in files.items() if name != "services"},
        "services": _services_frame(home, files["services"], issues),
        "need_codes": need_codes(),
        "postcodes": postcodes(),
    }
    optional = {
        "conventions": ["convention_id", "service_a", "service_b", "kind", "start_date",
                        "end_date"],
        "service_aliases": ["exporter_id", "alias", "service_id"],
    }
    for name, columns in optional.items():
        path = home.reference / f"{name}.csv"
        if path.is_file():
            frames[name] = _read_text_csv(path)
        else:
            frames[name] = pl.DataFrame(
                schema={"row_number": pl.Int32, **dict.fromkeys(columns, pl.String),
                        "file": pl.String}
            )
    return frames


def load_reference(con, home: Home) -> tuple[dict[str, int], list]:
    """Replace ``raw.<name>`` for every reference table; return row counts and the directory's
    issues (:class:`pipelines.ingest.directory.DirectoryIssue`)."""
    con.execute("create schema if not exists raw")
    counts = {}
    issues: list = []
    for name, frame in reference_frames(home, issues).items():
        con.register("reference_batch", frame.to_arrow())
        try:
            con.execute(f"create or replace table raw.{name} as select * from reference_batch")
        finally:
            con.unregister("reference_batch")
        counts[name] = frame.height
    return counts, issues
