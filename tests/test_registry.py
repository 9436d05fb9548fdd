"""The registry of indicators (reseau/indicators.py): one list, read the same everywhere."""

import shutil

import pytest

from reseau import indicators
from tests import oracle


def test_every_indicator_of_the_registry_has_an_independent_oracle_formula():
    assert sorted(oracle.TERRITORY_INDICATORS) == sorted(indicators.CODES)


def test_the_registry_says_what_the_disclosure_rule_needs():
    assert indicators.COUNTS == ("referrals", "persons", "neglected_services",
                                 "dormant_conventions", "supports", "ruptured_links")
    assert indicators.ADDITIVE == ("referrals", "supports")
    # Every form has indicators, and the reports list them form by form.
    grouped = [code for form in indicators.NETWORK_FORMS
               for code in indicators.indicators_of(form.form)]
    assert sorted(grouped) == sorted(indicators.CODES)
    assert [form.number for form in indicators.NETWORK_FORMS] == [2, 3, 1]


def test_the_warehouse_publishes_the_registry(tiny_db):
    rows = tiny_db.execute(
        "select indicator, form, kind, additive, label_fr, unit, higher_is "
        "from marts.indicator_catalogue").fetchall()
    assert sorted(rows) == sorted(
        (e.code, e.form, e.kind, e.additive, e.label_fr, e.unit, e.higher_is)
        for e in indicators.CATALOGUE)


@pytest.fixture
def seeds(tmp_path, monkeypatch):
    for name in ("indicator_catalogue_entries.csv", "network_forms.csv"):
        shutil.copy(indicators.SEEDS / name, tmp_path / name)
    monkeypatch.setattr(indicators, "SEEDS", tmp_path)
    return tmp_path / "indicator_catalogue_entries.csv"


@pytest.mark.parametrize("change, message", [
    ((",count,true,", ",counted,true,"), "unknown form, kind"),
    ((",travail_en_reseau,", ",travail_social,"), "unknown form, kind"),
    ((",count,false,", ",count,maybe,"), "unknown form, kind"),
    ((",ratio,false,", ",ratio,true,"), "only counts add up"),
])
def test_a_malformed_registry_row_stops_with_its_code(seeds, change, message):
    text = seeds.read_text(encoding="utf-8")
    assert change[0] in text
    seeds.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        indicators._catalogue(indicators._forms())
