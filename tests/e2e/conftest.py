"""The generated region of the end-to-end tests, generated and run once per session.

The pipeline runs on the region as services deliver it, in every format and quirk of the
contract (``formats="mixed"``: CSV variants, XLSX, JSON, mapping profiles, plus a corrupt
workbook, a truncated JSON and a file with names in it). The oracle reads the same region
written in canonical CSV (same seed, same rows): when the two agree, every format was read
right, and the computation is right.
"""

import os

import duckdb
import pytest

from pipelines.cli.runner import run_pipeline
from reseau.home import Home
from reseau_synthetic import generate_home
from tests.conftest import REGION, TEST_KEY


@pytest.fixture(scope="session")
def delivered(tmp_path_factory):
    """The generated region as delivered in mixed formats, before any run: (root, truth)."""
    os.environ["RESEAU_PSEUDONYM_KEY"] = TEST_KEY
    root = tmp_path_factory.mktemp("generated") / "home"
    truth = generate_home(root, formats="mixed", **REGION)
    # 24 months of reports: printing them all would double the run; the tiny home's run
    # prints its PDFs (tests/pipeline/test_pdf_reports.py).
    (root / "reseau.toml").write_text("pdf_reports = false\n", encoding="utf-8")
    return root, truth


@pytest.fixture(scope="session")
def from_files(home_files):
    """The oracle, on the same region in canonical CSV (tests/conftest.py)."""
    return home_files


@pytest.fixture(scope="session")
def generated(delivered):
    root, truth = delivered
    assert run_pipeline(Home.open(root))
    con = duckdb.connect(str(root / "published" / "reseau.duckdb"), read_only=True)
    yield root, truth, con
    con.close()
