"""The home folder: every path and setting of one observatory, built in one place.

Everything the pipeline reads or writes is derived from a `Home`, so tests can point the whole
system at a temporary folder and nothing reads the environment at import time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from reseau.errors import HomeError
from reseau.settings import Limits, Notifications, Orchestration, Warehouse

DEFAULT_SETTINGS = {
    # Funder-facing disclosure threshold (indicators.md, "Publication to funders").
    "min_cell": 11,
    # Print each report to PDF beside its HTML, with headless Chromium (pipelines/publish/pdf.py).
    "pdf_reports": True,
    # Bounds on one delivered file, over the defaults of `Limits` (the `[limits]` table).
    "limits": {},
    # How the daemon runs the home (the `[orchestration]` table, see `Orchestration`).
    "orchestration": {},
    # How DuckDB may use the machine (the `[warehouse]` table, see `Warehouse`).
    "warehouse": {},
}


@dataclass(frozen=True)
class Home:
    """Paths and settings of one home folder (see data-contract.md, "The home folder")."""

    root: Path
    settings: dict = field(default_factory=lambda: dict(DEFAULT_SETTINGS))

    @classmethod
    def open(cls, root: str | os.PathLike | None = None) -> Home:
        """Resolve the home from an argument, else ``$RESEAU_HOME``, and read ``reseau.toml``."""
        if root is None:
            root = os.environ.get("RESEAU_HOME")
        if not root:
            raise HomeError("no home folder given: pass --home DIR or set RESEAU_HOME")
        path = Path(root).expanduser().resolve()
        if not path.is_dir():
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
            Orchestration.from_table(settings["orchestration"], str(toml_path))
            Warehouse.from_table(settings["warehouse"], str(toml_path))
            if not isinstance(settings["pdf_reports"], bool):
                raise HomeError(f"{toml_path}: pdf_reports = {settings['pdf_reports']!r} is "
                                "neither true nor false: fix or remove it")
            if "notifications" in settings:
                Notifications.from_table(settings["notifications"], str(toml_path))
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
    def pdf_reports(self) -> bool:
        return bool(self.settings["pdf_reports"])

    @property
    def limits(self) -> Limits:
        return Limits.from_table(self.settings.get("limits", {}))

    def memory_bytes(self) -> int:
        """DuckDB's memory limit (``[warehouse] memory_limit``) in bytes: what the Python
        steps size their own buffers by."""
        return Warehouse.from_table(self.settings.get("warehouse", {})).memory_bytes()

    def duckdb_config(self) -> dict[str, str]:
        """DuckDB's memory limit and spill folder for the warehouse (``[warehouse]``); the
        folder is made if missing (DuckDB makes only its last part)."""
        config = Warehouse.from_table(self.settings.get("warehouse", {})).duckdb_config(
            self.root, self.state)
        Path(config["temp_directory"]).mkdir(parents=True, exist_ok=True)
        return config

    @property
    def orchestration(self) -> Orchestration:
        return Orchestration.from_table(self.settings.get("orchestration", {}))

    @property
    def notifications(self) -> Notifications | None:
        """Where run failures are e-mailed; None without a ``[notifications]`` table."""
        table = self.settings.get("notifications")
        return None if table is None else Notifications.from_table(table)

    def ensure_dirs(self) -> None:
        for path in (self.warehouse.parent, self.published, self.dbt_profiles_dir):
            path.mkdir(parents=True, exist_ok=True)
