"""The settings of a home's ``reseau.toml`` that are more than a value: the limits on a
delivered file (``[limits]``), the failure e-mails (``[notifications]``) and how the daemon
runs the home (``[orchestration]``), and how DuckDB may use the machine (``[warehouse]``).
Each checks its table and says what to fix."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from email.utils import parseaddr
from pathlib import Path

from reseau.errors import HomeError


def _known_keys(cls, name: str, table, where: str, noun: str = "setting") -> None:
    """Stop with one line unless ``table`` is a TOML table of ``cls``'s fields only."""
    if not isinstance(table, dict):
        raise HomeError(f"{where}: {name} must be a table ([{name}] with one key per line): "
                        "fix or remove it")
    known = [item.name for item in fields(cls)]
    for key in table:
        if key not in known:
            raise HomeError(f"{where}: [{name}] {key} is not a {noun} (known: "
                            f"{', '.join(known)}): fix or remove it")


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
        _known_keys(cls, "limits", table, where, noun="limit")
        for key, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise HomeError(f"{where}: [limits] {key} = {value!r} is not a positive whole "
                                f"number (e.g. {key} = {getattr(cls(), key):_}): fix or "
                                "remove it")
        return cls(**table)


_ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class Notifications:
    """Where to e-mail run failures: the ``[notifications]`` table of ``reseau.toml`` (see
    pipelines/orchestration/notify.py). The SMTP password is never in the file:
    ``password_env`` names the environment variable that holds it, read only when an e-mail
    is sent."""

    smtp_host: str
    sender: str
    recipients: tuple[str, ...]
    security: str = "starttls"       # "starttls" (then port 587), "ssl" (465) or "none" (25)
    smtp_port: int | None = None     # None: the security's usual port
    user: str | None = None
    password_env: str | None = None  # the variable's name, required with ``user``
    ui_url: str | None = None        # the Dagster UI's address, for a link to the run

    @property
    def port(self) -> int:
        return self.smtp_port or _DEFAULT_PORTS[self.security]

    def password(self) -> str | None:
        """The SMTP password, from the environment variable ``password_env`` names."""
        if self.password_env is None:
            return None
        value = os.environ.get(self.password_env)
        if not value:
            raise HomeError(f"the SMTP password is not in ${self.password_env} ([notifications] "
                            f"password_env in reseau.toml): export {self.password_env}=... "
                            "before `reseau ui`")
        return value

    @classmethod
    def from_table(cls, table, where: str = "reseau.toml") -> Notifications:
        """The ``[notifications]`` table of ``where``, checked key by key."""
        def bad(key: str, what: str) -> HomeError:
            return HomeError(f"{where}: [notifications] {key} {what}: fix or remove it")

        if not isinstance(table, dict):
            raise HomeError(f"{where}: notifications must be a table ([notifications] with one "
                            "key per line): fix or remove it")
        if "password" in table:
            raise HomeError(f"{where}: [notifications] password must not be written in the "
                            "file: put it in an environment variable and name that variable, "
                            "e.g. password_env = \"RESEAU_SMTP_PASSWORD\"")
        known = [item.name for item in fields(cls)]
        for key in table:
            if key not in known:
                raise bad(key, f"is not a setting (known: {', '.join(known)})")
        for key in ("smtp_host", "sender", "recipients"):
            if key not in table:
                raise HomeError(f"{where}: [notifications] needs {key} (e.g. "
                                f"{_EXAMPLES[key]}): add it, or remove [notifications]")
        values = dict(table)
        for key in ("smtp_host", "sender", "security", "user", "password_env", "ui_url"):
            value = values.get(key)
            if key in values and (not isinstance(value, str) or not value.strip()):
                raise bad(key, f"= {value!r} is not a text (e.g. {_EXAMPLES[key]})")
        if any(char.isspace() for char in values["smtp_host"]):
            raise bad("smtp_host", f"= {values['smtp_host']!r} is not a host name (e.g. "
                      f"{_EXAMPLES['smtp_host']})")
        port = values.get("smtp_port")
        if "smtp_port" in values and (isinstance(port, bool) or not isinstance(port, int)
                                      or not 1 <= port <= 65535):
            raise bad("smtp_port", f"= {port!r} is not a port number from 1 to 65535 (e.g. "
                      "smtp_port = 587)")
        if values.get("security", "starttls") not in _DEFAULT_PORTS:
            raise bad("security", f"= {values['security']!r} is not one of "
                      f"{', '.join(map(repr, _DEFAULT_PORTS))}")
        if "\n" in values["sender"] or not _ADDRESS.fullmatch(parseaddr(values["sender"])[1]):
            raise bad("sender", f"= {values['sender']!r} is not an e-mail address (e.g. "
                      f"{_EXAMPLES['sender']})")
        recipients = values["recipients"]
        if not isinstance(recipients, list) or not recipients:
            raise bad("recipients", f"= {recipients!r} is not a list of addresses (e.g. "
                      f"{_EXAMPLES['recipients']})")
        for address in recipients:
            if not isinstance(address, str) or not _ADDRESS.fullmatch(address.strip()):
                raise bad("recipients", f"holds {address!r}, not an e-mail address (e.g. "
                          f"{_EXAMPLES['recipients']})")
        values["recipients"] = tuple(address.strip() for address in recipients)
        env = values.get("password_env")
        if env is not None and not _ENV_NAME.fullmatch(env):
            raise bad("password_env", f"= {env!r} is not the name of an environment variable "
                      f"(e.g. {_EXAMPLES['password_env']}; the password itself never goes in "
                      "the file)")
        if ("user" in values) != ("password_env" in values):
            raise HomeError(f"{where}: [notifications] user and password_env go together (the "
                            "SMTP login, and the variable holding its password): set both, or "
                            "neither for a server that needs no login")
        url = values.get("ui_url")
        if url is not None and not url.startswith(("http://", "https://")):
            raise bad("ui_url", f"= {url!r} is not a web address (e.g. {_EXAMPLES['ui_url']})")
        return cls(**values)


_EXAMPLES = {
    "smtp_host": 'smtp_host = "smtp.example.org"',
    "sender": 'sender = "reseau@observatoire.example.org"',
    "recipients": 'recipients = ["equipe@observatoire.example.org"]',
    "security": 'security = "starttls"',
    "user": 'user = "reseau"',
    "password_env": 'password_env = "RESEAU_SMTP_PASSWORD"',
    "ui_url": 'ui_url = "http://observatoire.example.org:3000"',
}


@dataclass(frozen=True)
class Orchestration:
    """How the Dagster daemon serves a home (``[orchestration]`` in ``reseau.toml``;
    docs/operations.md)."""

    #: How often the landing sensor looks for new files.
    sensor_interval_seconds: int = 300
    #: Where the Dagster instance (runs, event log, schedules) lives: a PostgreSQL URL, or
    #: the name of the environment variable that holds it (a URL with a password stays out
    #: of the file). Neither: Dagster's embedded storage under the home.
    postgres_url: str | None = None
    postgres_url_env: str | None = None

    @classmethod
    def from_table(cls, table, where: str = "reseau.toml") -> Orchestration:
        _known_keys(cls, "orchestration", table, where)
        for key, value in table.items():
            wanted = int if key == "sensor_interval_seconds" else str
            if isinstance(value, bool) or not isinstance(value, wanted) or (
                    wanted is int and value < 1) or (wanted is str and not value.strip()):
                example = ("30" if wanted is int else '"postgresql://reseau@/reseau?host='
                           '/run/postgresql"' if key == "postgres_url" else
                           '"RESEAU_POSTGRES_URL"')
                raise HomeError(f"{where}: [orchestration] {key} = {value!r} is not valid "
                                f"(e.g. {key} = {example}): fix or remove it")
        if "postgres_url" in table and "postgres_url_env" in table:
            raise HomeError(f"{where}: [orchestration] has both postgres_url and "
                            "postgres_url_env: keep one")
        return cls(**table)

    def postgres(self) -> str | None:
        """The PostgreSQL URL of the Dagster instance, None for embedded storage."""
        if self.postgres_url_env is None:
            return self.postgres_url
        url = os.environ.get(self.postgres_url_env, "").strip()
        if not url:
            raise HomeError(f"[orchestration] postgres_url_env names {self.postgres_url_env}, "
                            f"which is not set: export {self.postgres_url_env}=postgresql://..."
                            " (see docs/operations.md)")
        return url


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Warehouse:
    """How DuckDB may use the machine (``[warehouse]`` in ``reseau.toml``; docs/operations.md).

    Past ``memory_limit``, DuckDB spills what it sorts, joins and aggregates to files under
    ``temp_directory`` instead of failing; the Python steps (polars frames) live beside it,
    hence a default of half the machine's memory rather than DuckDB's 80%."""

    #: DuckDB's memory limit, as DuckDB writes it (``"8GB"``, ``"512MiB"``); None: half of
    #: this machine's memory.
    memory_limit: str | None = None
    #: Where DuckDB spills; relative to the home, or absolute. None: ``.reseau/spill``.
    temp_directory: str | None = None

    @classmethod
    def from_table(cls, table, where: str = "reseau.toml") -> Warehouse:
        _known_keys(cls, "warehouse", table, where)
        for key, value in table.items():
            if not isinstance(value, str) or not value.strip() or (
                    key == "memory_limit" and not _SIZE.fullmatch(value)):
                example = '"8GB"' if key == "memory_limit" else '"/var/tmp/reseau-spill"'
                raise HomeError(f"{where}: [warehouse] {key} = {value!r} is not valid (e.g. "
                                f"{key} = {example}): fix or remove it")
        return cls(**table)

    def memory_bytes(self) -> int:
        """``memory_limit`` in bytes (half of this machine's memory by default, at least
        256 MiB)."""
        if self.memory_limit is None:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            return max(total // 2 // 2**20, 256) * 2**20
        number, unit = _SIZE.fullmatch(self.memory_limit).groups()
        power = "KMGT".index(unit[0].upper()) + 1
        return int(float(number) * (1024 if unit[1:2].lower() == "i" else 1000) ** power)

    def duckdb_config(self, home_root: Path, state: Path) -> dict[str, str]:
        """The settings every read-write connection to the warehouse opens with."""
        memory = (self.memory_limit.strip() if self.memory_limit is not None
                  else f"{self.memory_bytes() // 2**20}MiB")
        spill = home_root / self.temp_directory if self.temp_directory else state / "spill"
        return {"memory_limit": memory, "temp_directory": str(spill)}
