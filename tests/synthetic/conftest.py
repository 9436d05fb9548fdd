"""The generator's tests look at the canonical region of tests/conftest.py."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REGION


@pytest.fixture(scope="session")
def small_params() -> dict:
    return dict(REGION)


@pytest.fixture(scope="session")
def truth(small_home) -> dict:
    return json.loads((small_home / "ground_truth.json").read_text(encoding="utf-8"))

