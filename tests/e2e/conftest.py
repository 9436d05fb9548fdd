"""The generated home of the end-to-end tests, generated and run once per session."""

import os

import duckdb
import pytest

from reseau.home import Home
from reseau.runner import run_pipeline
from reseau.synthetic import generate_home
from tests import oracle
from tests.conftest import TEST_KEY

#: The region every end-to-end test looks at (the mixed-format copy uses the same seed).
REGION = {"referrals": 20_000, "months": 24, "seed": 7}


@pytest.fixture(scope="session")
def delivered(tmp_path_factory):
    """The generated home as delivered, before any run: (root, truth)."""
    os.environ["RESEAU_PSEUDONYM_KEY"] = TEST_KEY
    root = tmp_path_factory.mktemp("generated") / "home"
    return root, generate_home(root, **REGION)


@pytest.fixture(scope="session")
def from_files(delivered):
    """The oracle reads the files as delivered, before the pipeline runs: a run moves
    rejected files out of ``landing/``, and the oracle must not learn from that."""
    return oracle.HomeFiles(delivered[0])


@pytest.fixture(scope="session")
def generated(delivered, from_files):
    root, truth = delivered
    assert run_pipeline(Home.open(root))
    con = duckdb.connect(str(root / "published" / "reseau.duckdb"), read_only=True)
    yield root, truth, con
    con.close()
