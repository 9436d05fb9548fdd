"""`reseau ui` serves the Dagster UI for a home: the asset graph with its descriptions,
partitions and checks, loaded on a free local port in headless Chromium."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import screenshot_path, watch

QUERY = """{ assetNodes { assetKey { path } description isPartitioned
  partitionDefinition { description }
  assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: int = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"reseau ui exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the UI did not answer within {seconds} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def ui(tiny_run, tmp_path_factory):
    """The UI on a private copy of the tiny home after its run (the UI writes its instance)."""
    root = shutil.copytree(tiny_run.root, tmp_path_factory.mktemp("ui") / "tiny")
    url = f"http://127.0.0.1:{free_port()}"
    log = root.parent / "ui.log"
    reseau = Path(sys.executable).with_name("reseau")
    with log.open("w") as output:
        # Its own process group: `dagster dev` starts the webserver and daemon as children.
        process = subprocess.Popen(
            [str(reseau), "ui", "--home", str(root), "--port", url.rsplit(":", 1)[1]],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(url, process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


def test_every_asset_is_described_monthly_assets_are_partitioned_and_checks_are_there(ui):
    nodes = {"/".join(node["assetKey"]["path"]): node for node in graphql(ui, QUERY)["assetNodes"]}
    assert {"raw/referral_rows", "marts/fct_referrals", "indicators/territory_indicators",
            "published/funder_files", "published/reports"} <= set(nodes)
    undescribed = [key for key, node in nodes.items() if not (node["description"] or "").strip()]
    assert undescribed == []
    for key in ("indicators/territory_indicators", "published/funder_files",
                "published/reports"):
        assert nodes[key]["isPartitioned"], key
        assert "Monthly" in nodes[key]["partitionDefinition"]["description"], key
    checks = {check["name"]: check["blocking"] for node in nodes.values()
              for check in node["assetChecksOrError"].get("checks", [])}
    assert checks.get("warehouse_referrals_expectations") is True
    assert any(name.startswith("not_null") for name in checks)  # dbt tests, as checks


#: Views of the UI, a text each must show, another it must hold (a long name may be shown
#: truncated), and the screenshot it leaves.
VIEWS = [
    ("/asset-groups", "publication", "ingest", "global-lineage"),
    ("/assets/published/reports?view=lineage", "neglected_services", "dim_territories",
     "reports-lineage"),
    ("/assets/published/reports", "self-contained French HTML report", "min_cell",
     "reports-description"),
    ("/assets/published/reports?view=partitions", "Materialized (2)", "2024-06-01",
     "reports-partitions"),
    ("/assets/marts/fct_referrals?view=checks", "Execute all",
     "warehouse_referrals_expectations", "fct-referrals-checks"),
]

#: The partitions view lists every month from 2015 to today, newest first, and draws only the
#: rows on screen: a month of the tiny home is found through the view's own name filter, not
#: by hoping it is among the first thirty months before today.
NAME_FILTER = "Filter by name"


def test_the_asset_graph_descriptions_partitions_and_checks_show_in_chromium(ui, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    watched = watch(page)
    for path, shown, held, name in VIEWS:
        # Not "networkidle": the UI polls for live data, and on a loaded machine a quiet
        # half-second may never come. The texts it must show are the sign it is drawn.
        page.goto(f"{ui}{path}", wait_until="domcontentloaded", timeout=120_000)
        page.get_by_text(shown).filter(visible=True).first.wait_for(timeout=120_000)
        name_filter = page.get_by_placeholder(NAME_FILTER)
        if name_filter.count():
            name_filter.first.fill(held)
        page.get_by_text(held).first.wait_for(state="attached", timeout=60_000)
        try:  # a quiet moment, for the screenshot's sake (statuses fetched, pop-up shown)
            page.wait_for_load_state("networkidle", timeout=20_000)
        except PlaywrightTimeout:
            pass
        skip = page.get_by_role("button", name="Skip")  # Dagster's newsletter pop-up
        if skip.count():
            skip.first.click()
        page.screenshot(path=screenshot_path(f"dagster-{name}"))
    page.close()
    assert watched.errors == []
