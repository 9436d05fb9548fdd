"""Shared fixtures: homes in temporary folders, and the pipeline run once per session."""

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from reseau.home import Home

FIXTURES = Path(__file__).parent / "fixtures"
TEST_KEY = "reseau-test-key"
#: The generated region of the generator's and the end-to-end tests.
REGION = {"referrals": 20_000, "months": 24, "seed": 7, "end_month": "2026-10"}
# The test groups share two cores: an example's time says nothing of the code, so
# hypothesis does not time them (its 200 ms deadline failed under load).
settings.register_profile("reseau", deadline=None)
settings.load_profile("reseau")

# Deliveries happen in file-name order within the tiny home (see its README).
DELIVERY_EPOCH = 1_720_000_000


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    monkeypatch.setenv("RESEAU_PSEUDONYM_KEY", TEST_KEY)


def copy_tiny_home(destination: Path, pdf_reports: bool = False) -> Path:
    """A copy of the hand-made home. Its runs print no PDF unless asked: dozens of tests run
    it, and tests/pipeline/test_pdf_reports.py prints its own."""
    shutil.copytree(FIXTURES / "tiny_home", destination)
    (destination / "reseau.toml").write_text(f"pdf_reports = {str(pdf_reports).lower()}\n",
                                             encoding="utf-8")
    for index, path in enumerate(sorted((destination / "landing").rglob("*.csv"))):
        os.utime(path, (DELIVERY_EPOCH + index * 3600,) * 2)
    return destination


@pytest.fixture
def tiny_home(tmp_path) -> Home:
    """A fresh copy of the hand-made home, not yet run."""
    return Home.open(copy_tiny_home(tmp_path / "tiny"))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Home:
    """The tiny home after one full run of the pipeline (shared: treat as read-only)."""
    from pipelines.cli.runner import run_pipeline

    os.environ["RESEAU_PSEUDONYM_KEY"] = TEST_KEY
    home = Home.open(copy_tiny_home(tmp_path_factory.mktemp("run") / "tiny"))
    assert run_pipeline(home, ["2024-05-01", "2024-06-01"])
    return home


@pytest.fixture
def tiny_run_copy(tiny_run, tmp_path) -> Home:
    """A private copy of the tiny home after its run (warehouse, snapshot and history)."""
    return Home.open(shutil.copytree(tiny_run.root, tmp_path / "tiny"))


@pytest.fixture
def tiny_db(tiny_run):
    con = duckdb.connect(str(tiny_run.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def small_home(tmp_path_factory) -> Path:
    """The generated region in canonical CSV (about 8 s). Never run: the oracle reads the
    files as delivered, before a run would move rejected ones out of ``landing/``."""
    from reseau_synthetic import generate_home

    home = tmp_path_factory.mktemp("small") / "home"
    generate_home(home, **REGION)
    return home


@pytest.fixture(scope="session")
def home_files(small_home):
    """The oracle (tests/oracle.py) on the canonical region."""
    from tests import oracle

    return oracle.HomeFiles(small_home)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium (tests/browser.py), per module: Playwright's event loop must
    be gone before Dagster runs in process again."""
    from playwright.sync_api import sync_playwright

    from pipelines.publish.pdf import FLAGS
    from tests.browser import chromium_path

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        yield launched
        launched.close()
