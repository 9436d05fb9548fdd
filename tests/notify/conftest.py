"""A real SMTP server process (aiosmtpd) on a free local port, saving what it receives."""

import email
import email.policy
import json
import os
import smtplib
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SmtpServer:
    port: int
    outbox: Path
    process: subprocess.Popen

    def received(self) -> list[tuple[dict, email.message.EmailMessage]]:
        """(envelope, parsed message) of each message received so far, in order."""
        messages = []
        for path in sorted(self.outbox.glob("*.eml"), key=lambda p: int(p.stem)):
            envelope = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            messages.append((envelope, parsed))
        return messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_smtp_server(folder: Path):
    """An aiosmtpd process on a free local port, saving to ``folder/outbox``."""
    port = free_port()
    outbox = folder / "outbox"
    log = (folder / "smtp.log").open("w")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "tests.notify.smtp_sink.Sink", str(outbox)],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"aiosmtpd exited with {process.returncode}:\n"
                            f"{(folder / 'smtp.log').read_text()}")
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as probe:
                    probe.noop()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("aiosmtpd did not answer within 30 s")
                time.sleep(0.2)
        yield SmtpServer(port, outbox, process)
    finally:
        process.terminate()
        try:  # a server holding a client's connection may not stop on SIGTERM: no need to
            process.wait(timeout=5)  # wait for it at the end
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def smtp_server(tmp_path):
    with running_smtp_server(tmp_path) as server:
        yield server
