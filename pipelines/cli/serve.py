"""`reseau serve`: the Dagster webserver and daemon of a home, as a service runs them.

Not `dagster dev` (that is `reseau ui`): two long-lived processes, `dagster-webserver` and
`dagster-daemon run`, on the project's workspace, with ``RESEAU_HOME`` and ``DAGSTER_HOME``
(``<home>/.reseau/dagster``) set. The daemon evaluates the schedule and the sensors and
launches their runs; the instance is in PostgreSQL when ``[orchestration]`` names one.

Each child leads its own process group (its code server and run workers with it): a SIGTERM
or SIGINT to this process is forwarded once to both groups, and this process exits 0 when
they have stopped. If either child exits on its own, the other is stopped and this process
exits 1, so that systemd (``Restart=on-failure``) starts both again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from reseau.errors import UserError
from reseau.home import Home

WORKSPACE = Path(__file__).resolve().parents[2] / "workspace.yaml"
#: Seconds a child gets to stop after the signal, before it is killed.
STOP_TIMEOUT = 30
POLL_SECONDS = 0.5


def _executable(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


def _check_port(host: str, port: int) -> None:
    """One line if the UI's address cannot be bound (taken, or not this machine's)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as problem:
        raise UserError(f"--host {host} is not an address of this machine ({problem.strerror})"
                        ": pass --host 127.0.0.1 (the default)") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as problem:
            raise UserError(f"cannot listen on {host}:{port} ({problem.strerror}): another "
                            "program uses it (another `reseau serve` or `reseau ui`?); stop "
                            "it or pass --port") from None


def _say(message: str) -> None:
    print(f"reseau: {message}", file=sys.stderr, flush=True)


def serve(home: Home, host: str = "127.0.0.1", port: int = 3000,
          postgres_url: str | None = None) -> int:
    """Run the webserver and the daemon for ``home`` until a signal or either one exits."""
    from pipelines.cli.runner import SERVE_POSTGRES_ENV, dagster_home, hide_password, psycopg2_url
    from pipelines.ingest.pseudonyms import key_from_environment

    # What the runs and the failure e-mails will need, checked before anything starts.
    key_from_environment()
    if home.notifications is not None:
        home.notifications.password()
    _check_port(host, port)
    env = {**os.environ, "RESEAU_HOME": str(home.root)}
    if postgres_url:
        env[SERVE_POSTGRES_ENV] = psycopg2_url(postgres_url)
    instance = dagster_home(home, postgres_url)  # checks that PostgreSQL answers
    env["DAGSTER_HOME"] = str(instance)
    storage = (f"PostgreSQL ({hide_password(postgres_url or home.orchestration.postgres())})"
               if postgres_url or home.orchestration.postgres() else f"embedded, in {instance}")
    commands = {
        "dagster-webserver": [_executable("dagster-webserver"), "-w", str(WORKSPACE),
                              "-h", host, "-p", str(port)],
        "dagster-daemon": [_executable("dagster-daemon"), "run", "-w", str(WORKSPACE)],
    }

    children: dict[str, subprocess.Popen] = {}
    stopping: list[int] = []
    signalled: set[str] = set()

    def forward(signum, _frame):
        if stopping:
            return
        stopping.append(signum)
        for name, child in list(children.items()):
            signalled.add(name)
            _signal_group(child, signum)

    previous = {signum: signal.signal(signum, forward)
                for signum in (signal.SIGTERM, signal.SIGINT)}
    exited = None
    try:
        for name, command in commands.items():
            if stopping:
                break
            children[name] = subprocess.Popen(command, env=env, cwd=home.root,
                                              process_group=0)
        if stopping:
            return 0
        _say(f"serving {home.root}\n"
             f"  UI:      http://{host}:{port} (webserver pid {children['dagster-webserver'].pid})"
             f"\n  daemon:  schedule monthly_on_the_5th, sensors landing_sensor (every "
             f"{home.orchestration.sensor_interval_seconds} s) and email_on_run_failure "
             f"(pid {children['dagster-daemon'].pid})\n"
             f"  runs:    {storage}\n"
             f"  logs:    both processes write to this output (journalctl -u reseau under "
             f"systemd); each run's step output in {instance / 'storage'}\n"
             f"  stop:    SIGTERM or Ctrl-C stops both")
        while not stopping and exited is None:
            exited = next((name for name, child in children.items()
                           if child.poll() is not None), None)
            time.sleep(POLL_SECONDS)
    finally:
        # A child exited (its code server may live on), an error here, or a signal while
        # the children were starting: whoever was not told yet is told now.
        for name, child in children.items():
            if name not in signalled:
                _signal_group(child, signal.SIGTERM)
        _wait_for_groups(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if exited is not None:
        _say(f"{exited} exited with code {children[exited].returncode}: stopped the other; "
             "see its output above")
        return 1
    _say("stopped")
    return 0


def _signal_group(child: subprocess.Popen, signum: int) -> bool:
    """Send ``signum`` to the child's process group; False if nothing is left in it."""
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        return False
    return True


def _wait_for_groups(children: dict[str, subprocess.Popen]) -> None:
    """Wait until every process of the children's groups (their code servers, a run in
    progress) has stopped; kill what is left after STOP_TIMEOUT seconds."""
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, child in children.items():
        while True:
            child.poll()  # reaps the child itself
            if not _signal_group(child, 0):
                break
            if time.monotonic() > deadline:
                _say(f"{name} did not stop within {STOP_TIMEOUT} s: killing what is left")
                _signal_group(child, signal.SIGKILL)
                child.wait()
                break
            time.sleep(POLL_SECONDS)
