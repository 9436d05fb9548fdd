"""`reseau generate --services N`: a directory of about N services, for the benchmark's large
région."""

import numpy as np
import pytest

from reseau_synthetic.directory import build_directory
from reseau_synthetic.home import _scale_for
from reseau_synthetic.needs import build_catalogue
from reseau_synthetic.plan import assign_roles
from reseau_synthetic.territory import build_territory


@pytest.mark.parametrize("services", [2_000, 5_000])
def test_the_directory_has_about_the_services_asked_for(services):
    streams = [np.random.default_rng(child) for child in np.random.SeedSequence(42).spawn(2)]
    catalogue, territory = build_catalogue(), build_territory(streams[0])
    hub = assign_roles(streams[1], len(territory.dep_codes))["concentration"]
    scale = _scale_for(services, territory, catalogue, hub)
    built = len(build_directory(np.random.default_rng(7), territory, catalogue, scale, hub))
    assert abs(built - services) <= 0.02 * services


def test_never_fewer_than_the_usual_cast():
    streams = [np.random.default_rng(child) for child in np.random.SeedSequence(42).spawn(2)]
    catalogue, territory = build_catalogue(), build_territory(streams[0])
    hub = assign_roles(streams[1], len(territory.dep_codes))["concentration"]
    assert _scale_for(10, territory, catalogue, hub) == 1.0
