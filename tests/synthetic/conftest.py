"""Shared homes for the generator's tests: generated once per session (about 8 s each)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reseau.synthetic import generate_home
from tests import oracle

SMALL = {"referrals": 20_000, "months": 24, "seed": 7, "end_month": "2026-10"}


@pytest.fixture(scope="session")
def small_params() -> dict:
    return dict(SMALL)


@pytest.fixture(scope="session")
def small_home(tmp_path_factory) -> Path:
    """A 20,000-referral, 24-month region (seed 7)."""
    home = tmp_path_factory.mktemp("small") / "home"
    generate_home(home, **SMALL)
    return home


@pytest.fixture(scope="session")
def truth(small_home) -> dict:
    return json.loads((small_home / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def home_files(small_home) -> oracle.HomeFiles:
    return oracle.HomeFiles(small_home)
