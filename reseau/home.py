"""The home folder: every path and setting of one observatory, built in one place.

Everything the pipeline reads or writes is derived from a `Home`, so tests can point the whole
system at a temporary folder and nothing reads the environment at import time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from reseau.errors import UserError

DEFAULT_SETTINGS = {
    # Funder-facing disclosure threshold (indicators.md, "Publication to funders").
    "min_cell": 11,
    # Bounds on one delivered file, over the defaults of `Limits` (the `[limits]` table).
    "limits": {},
}


class HomeError(UserError):
    """A problem the user can fix with the home folder or its settings."""


@dataclass(frozen=True)
class Limits:
    """What one delivered file may weigh (docs/sources.md, "What happens to bad input"): a
    file over any limit is rejected, read no further than needed to tell. ``[limits]`` in
    ``reseau.toml`` raises (or lowers) each one. The defaults leave ten times the room a large
    région's monthly export takes (tens of MB, a few hundred thousand rows) and keep a hostile
    file from taking the machine's memory or hours."""

    max_file_bytes: int = 300_000_000       # any file, as delivered
    max_line_bytes: int = 1_000_000         # one line of a CSV or JSON-lines file
    max_rows: int = 5_000_000               # rows of a file (an XLSX sheet: blank rows too)
    max_columns: int = 1_000                # columns of the header
    max_unzipped_bytes: int = 1_000_000_000  # an XLSX workbook, all its parts unzipped
    max_zip_ratio: int = 100                # unzipped / zipped size of one part over 1 MiB

    @classmethod
    def from_table(cls, table, where: str = "reseau.toml") -> Limits:
        """The defaults, overridden by the ``[limits]`` table of ``where``."""
        if not isinstance(table, dict):
            raise HomeError(f"{where}: limits must be a table ([limits] with one key per "
                            "line): fix or remove it")
        known = [item.name for item in fields(cls)]
        for key, value in table.items():
            if key not in known:
                raise HomeError(f"{where}: [limits] {key} is not a limit (known: "
                                f"{', '.join(known)}): fix or remove it")
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise HomeError(f"{where}: [limits] {key} = {value!r} is not a positive whole "
                                f"number (e.g. {key} = {getattr(cls(), key):_}): fix or "
                                "remove it")
        return cls(**table)


@dataclass(frozen=True)
class Home:
    """Paths and settings of one home folder (see data-contract.md, "The home folder")."""

    root: Path
    settings: dict = field(default_factory=lambda: dict(DEFAULT_SETTINGS))

    @classmethod
    def open(cls, root: str | os.PathLike | None = None, *, must_exist: bool = True) -> Home:
        """Resolve the home from an argument, else ``$RESEAU_HOME``, and read ``reseau.toml``."""
        if root is None:
            root = os.environ.get("RESEAU_HOME")
        if not root:
            raise HomeError("no home folder given: pass --home DIR or set RESEAU_HOME")
        path = Path(root).expanduser().resolve()
        if must_exist and not path.is_dir():
            raise HomeError(f"home folder {path} does not exist: set one up with `reseau init "
                            f"--home {path}`, or point --home at an existing home")
        settings = dict(DEFAULT_SETTINGS)
        toml_path = path / "reseau.toml"
        if toml_path.is_file():
            try:
                settings.update(tomllib.loads(toml_path.read_text(encoding="utf-8")))
            except tomllib.TOMLDecodeError as exc:
                raise HomeError(f"{toml_path} is not valid TOML ({exc}): fix or remove it") from exc
            Limits.from_table(settings["limits"], str(toml_path))  # a bad limit stops here
        return cls(root=path, settings=settings)

    # Inputs (data-contract.md)
    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def territories(self) -> Path:
        return self.reference / "territories"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    # Pipeline-owned
    @property
    def state(self) -> Path:
        """Private working folder of the pipeline (warehouse, dbt profile and target)."""
        return self.root / ".reseau"

    @property
    def warehouse(self) -> Path:
        """The pipeline's own DuckDB file; analysts read the published snapshot instead."""
        return self.root / "warehouse" / "reseau.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def published_warehouse(self) -> Path:
        return self.published / "reseau.duckdb"

    @property
    def staff_deliveries_page(self) -> Path:
        """The staff's page on deliveries (not for funders)."""
        return self.published / "suivi" / "livraisons.html"

    @property
    def rejected(self) -> Path:
        """Where files that cannot be read at all are moved aside, whole."""
        return self.root / "rejected"

    @property
    def data_docs(self) -> Path:
        """Great Expectations Data Docs of the last validations, one site per suite."""
        return self.root / "data-docs"

    @property
    def dbt_profiles_dir(self) -> Path:
        return self.state / "dbt"

    @property
    def dbt_target_dir(self) -> Path:
        return self.state / "dbt" / "target"

    @property
    def min_cell(self) -> int:
        return int(self.settings["min_cell"])

    @property
    def limits(self) -> Limits:
        return Limits.from_table(self.settings.get("limits", {}))

    def ensure_dirs(self) -> None:
        for path in (self.warehouse.parent, self.published, self.dbt_profiles_dir):
            path.mkdir(parents=True, exist_ok=True)
