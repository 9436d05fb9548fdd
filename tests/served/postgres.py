"""A throwaway PostgreSQL cluster from Debian's ``postgresql`` package (`make postgresql`).

initdb and pg_ctl from ``/usr/lib/postgresql/<version>/bin``; data and Unix socket in a fresh
temporary folder; no TCP at all (``listen_addresses = ''``), so the URL has the form a
deployment uses, ``postgresql:///<db>?host=<socket folder>&port=<port>`` (the port only names
the socket). initdb refuses to run as root: as root, the cluster belongs to the ``postgres``
system user, run through ``runuser``; local connections are trusted, the test's own user
connects as a role of its name. Stopped and removed at the end.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pipeline.test_ui import free_port


@dataclass(frozen=True)
class Cluster:
    folder: Path
    port: int

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str) -> str:
        return f"postgresql:///{database}?host={self.socket_dir}&port={self.port}"


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(Path(path).parts[-3]))
    if not found:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql "
                    "package (`make postgresql`)")
    return Path(found[-1]).parent


@contextmanager
def throwaway_cluster(database: str):
    """Yield a running cluster holding ``database``, owned by a role named after this user."""
    bin_dir = _bin_dir()
    as_root = os.geteuid() == 0
    owner = "postgres" if as_root else getpass.getuser()
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="reseau-pg-"))
    cluster = Cluster(folder, free_port())
    data = folder / "data"
    cluster.socket_dir.mkdir()
    if as_root:
        shutil.chown(folder, "postgres")
        shutil.chown(cluster.socket_dir, "postgres")
    log = folder / "server.log"

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True,
                       cwd=folder)

    started = False
    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", owner, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-c listen_addresses='' -c unix_socket_directories='{cluster.socket_dir}' "
            f"-c port={cluster.port} -c fsync=off", "start")
        started = True
        me = getpass.getuser()
        psql = [str(bin_dir / "psql"), "-h", str(cluster.socket_dir), "-p", str(cluster.port),
                "-U", owner, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
        if me != owner:
            run(*psql, f'create role "{me}" login')
        run(*psql, f'create database "{database}" owner "{me}"')
        yield cluster
    except subprocess.CalledProcessError as problem:
        server = log.read_text() if log.exists() else ""
        pytest.fail(f"{' '.join(problem.cmd)} failed:\n{problem.stdout}{problem.stderr}{server}")
    finally:
        if started:
            subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                            "-w", "stop"], capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)
