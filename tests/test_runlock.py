"""The home's run lock: one holder, re-entrant in its process, released when it dies."""

import subprocess
import sys

import pytest

from reseau.home import Home
from reseau.runlock import RunInProgress, run_lock

HOLD = """
import sys, time
from reseau.home import Home
from reseau.runlock import run_lock
with run_lock(Home.open(sys.argv[1]), owner="a test"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_holder_is_told_who_holds_it_until_the_holder_is_killed(tmp_path):
    home = Home.open(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress, match=r"a run is in progress .*a test, process "
                                                rf"{holder.pid}, since"):
            with run_lock(home, owner="second"):
                pass
    finally:
        holder.kill()  # SIGKILL: the kernel releases the lock
        holder.wait()
    with run_lock(home, owner="second"):
        with run_lock(home, owner="the same process again"):  # re-entrant
            pass


def test_a_waiting_holder_says_so_then_gets_the_lock(tmp_path):
    home = Home.open(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    said = []
    try:
        assert holder.stdout.readline().strip() == "held"

        def say(line):
            said.append(line)
            holder.kill()

        with run_lock(home, owner="waiter", wait=say):
            pass
    finally:
        holder.kill()
        holder.wait()
    assert len(said) == 1 and said[0].startswith("waiting for the run in progress")
