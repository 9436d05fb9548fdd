"""`reseau serve` before and around its two processes: what it checks first (one line, exit
2), the dagster.yaml it writes, and a child that dies taking the other down."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.cli.runner import dagster_home
from reseau.home import Home
from tests.pipeline.test_ui import free_port


def error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_without_the_pseudonym_key_serve_stops_with_one_line(capsys, tiny_home, monkeypatch):
    monkeypatch.delenv("RESEAU_PSEUDONYM_KEY")
    assert main(["serve", "--home", str(tiny_home.root)]) == 2
    assert "RESEAU_PSEUDONYM_KEY is not set" in error_line(capsys)


def test_a_postgresql_that_does_not_answer_is_one_line(capsys, tiny_home, tmp_path):
    url = f"postgresql:///reseau?host={tmp_path}"
    assert main(["serve", "--home", str(tiny_home.root), "--postgres-url", url]) == 2
    line = error_line(capsys)
    assert line.startswith(f"reseau: error: PostgreSQL does not answer at {url} (")
    assert line.endswith("see docs/operations.md)")


@pytest.mark.parametrize("url", ["mysql://reseau@db/reseau", "not a url",
                                 "postgresql+psycopg://reseau@/reseau"])
def test_a_url_dagster_cannot_use_is_one_line(capsys, tiny_home, url):
    assert main(["serve", "--home", str(tiny_home.root), "--postgres-url", url]) == 2
    assert "docs/operations.md" in error_line(capsys)


def test_a_password_is_never_shown(capsys, tiny_home):
    url = "postgresql://reseau:s3cret@127.0.0.1:1/reseau"
    assert main(["serve", "--home", str(tiny_home.root), "--postgres-url", url]) == 2
    line = error_line(capsys)
    assert "s3cret" not in line and "postgresql://reseau:***@127.0.0.1:1/reseau" in line


def test_a_port_in_use_is_one_line(capsys, tiny_home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--home", str(tiny_home.root), "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in error_line(capsys)


def write_orchestration(home: Home, text: str) -> Home:
    (home.root / "reseau.toml").write_text(f"[orchestration]\n{text}\n", encoding="utf-8")
    return Home.open(home.root)


def test_dagster_yaml_is_embedded_by_default(tiny_home):
    written = (dagster_home(tiny_home) / "dagster.yaml").read_text()
    assert "max_concurrent_runs: 1" in written and "enabled: false" in written
    # Dagster's SQLite storage under the home, on connections that stay open.
    assert "postgres" not in written
    assert "class: PooledSqliteEventLogStorage" in written
    assert f'base_dir: "{tiny_home.state / "dagster" / "history" / "runs"}/"' in written


def test_dagster_yaml_names_the_variable_never_the_url_it_holds(tiny_home, postgres,
                                                                monkeypatch):
    home = write_orchestration(tiny_home, 'postgres_url_env = "OBS_DAGSTER_DB"')
    url = postgres.url("reseau").replace("postgresql://", "postgresql+psycopg2://")
    monkeypatch.setenv("OBS_DAGSTER_DB", url)
    written = (dagster_home(home) / "dagster.yaml").read_text()
    assert "postgres_url: {env: OBS_DAGSTER_DB}" in written
    assert str(postgres.socket_dir) not in written


def test_a_variable_without_the_driver_is_one_line(tiny_home, postgres, monkeypatch):
    home = write_orchestration(tiny_home, 'postgres_url_env = "OBS_DAGSTER_DB"')
    monkeypatch.setenv("OBS_DAGSTER_DB", postgres.url("reseau"))
    with pytest.raises(Exception, match=r"\$OBS_DAGSTER_DB holds a URL without its driver: "
                                        r"write it postgresql\+psycopg2://"):
        dagster_home(home)


def test_a_url_in_reseau_toml_is_written_with_the_psycopg2_driver(tiny_home, postgres):
    home = write_orchestration(tiny_home, f'postgres_url = "{postgres.url("reseau")}"')
    written = (dagster_home(home) / "dagster.yaml").read_text()
    assert ('postgres_url: "postgresql+psycopg2:///reseau?host='
            f'{postgres.socket_dir}&port={postgres.port}"') in written


def test_the_command_line_url_goes_through_the_environment(tiny_home, postgres):
    written = (dagster_home(tiny_home, postgres.url("reseau")) / "dagster.yaml").read_text()
    assert "postgres_url: {env: RESEAU_SERVE_POSTGRES_URL}" in written
    assert str(postgres.socket_dir) not in written


def test_when_a_child_dies_serve_stops_the_other_and_exits_non_zero(tiny_home, tmp_path):
    """Embedded storage (no PostgreSQL); the daemon killed as soon as it is started."""
    port = free_port()
    log = tmp_path / "serve.log"
    reseau = Path(sys.executable).with_name("reseau")
    with log.open("w") as output:
        process = subprocess.Popen([str(reseau), "serve", "--home", str(tiny_home.root),
                                    "--port", str(port)], stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.findall(r"webserver pid (\d+).*?\(pid (\d+)\)",
                                       log.read_text(), re.S)):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        webserver, daemon = map(int, found[0])
        os.kill(daemon, signal.SIGKILL)
        assert process.wait(timeout=90) == 1
        assert re.search(r"dagster-daemon exited with code -9: stopped the other",
                         log.read_text())
        for pid in (webserver, daemon):
            with pytest.raises(ProcessLookupError):
                os.killpg(pid, 0)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
