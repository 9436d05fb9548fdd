"""`reseau serve` for real: a throwaway PostgreSQL cluster, an SMTP server, and the served
tiny home (webserver and daemon in their own process group, stopped at the end)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS
from tests.conftest import TEST_KEY
from tests.notify.conftest import SmtpServer, running_smtp_server
from tests.pipeline.test_ui import free_port, wait_until_up
from tests.served.postgres import Cluster, throwaway_cluster

#: The smallest interval worth asking: the daemon looks at its sensors every 5 seconds.
SENSOR_INTERVAL = 5


@pytest.fixture(scope="session")
def postgres() -> Cluster:
    with throwaway_cluster("reseau") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def smtp(tmp_path_factory) -> SmtpServer:
    with running_smtp_server(tmp_path_factory.mktemp("smtp")) as server:
        yield server


@dataclass
class Served:
    root: Path
    url: str            # the UI
    postgres_url: str   # the Dagster instance
    process: subprocess.Popen
    log: Path

    @property
    def dagster_home(self) -> Path:
        return self.root / ".reseau" / "dagster"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def served(tiny_run, postgres, smtp, tmp_path_factory):
    """The tiny home after a `reseau run` typed by hand (its run history left behind),
    served with its instance in PostgreSQL, its landing sensor every 5 s and its failures
    e-mailed to ``smtp``; nothing else is ever launched."""
    root = shutil.copytree(tiny_run.root, tmp_path_factory.mktemp("served") / "tiny")
    shutil.rmtree(root / ".reseau" / "dagster")
    postgres_url = postgres.url("reseau")
    (root / "reseau.toml").write_text(
        f'[orchestration]\npostgres_url = "{postgres_url}"\n'
        f"sensor_interval_seconds = {SENSOR_INTERVAL}\n\n"
        f'[notifications]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\n'
        'security = "none"\nsender = "reseau@obs.example.org"\n'
        'recipients = ["equipe@obs.example.org"]\n', encoding="utf-8")
    port = free_port()
    log = root.parent / "serve.log"
    env = {**os.environ, "RESEAU_PSEUDONYM_KEY": TEST_KEY}
    env.pop("DAGSTER_HOME", None)
    reseau = Path(sys.executable).with_name("reseau")
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(reseau), "serve", "--home", str(root), "--port", str(port)],
            stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, log)
        yield Served(root, f"http://127.0.0.1:{port}", postgres_url, process, log)
    finally:
        stop(process)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / "serve.log")  # the daemon's and the runs' output


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the group (serve forwards it to its children's groups), then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=90)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
