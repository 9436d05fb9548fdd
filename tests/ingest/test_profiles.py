"""Mapping profiles: other headers, status words and date formats; wrong profiles explained."""

import pytest

from pipelines.ingest.columns import REFERRALS
from pipelines.ingest.profiles import InvalidProfile, load_profile, load_profiles
from pipelines.ingest.readers import read_export
from reseau.home import Home

PROFILE = """
columns:
  referral_id: N° dossier
  referral_date: Envoyé le
  origin_service_id: De
  target_service_id: [Vers, Partenaire]
  person_id: Usager
  needs: Motifs
statuses:
  accepted: [Admis, Pris en charge]
  refused: Non admis
date_format: "%d.%m.%Y"
"""
EXPORT = """N° dossier;Envoyé le;De;Partenaire;Usager;Motifs;Statut
1;04.03.2025;a;b;p1;sante;ADMIS
2;5.3.2025;a;b;p2;sante;pris-en-charge
3;2025-03-06;a;b;p3;sante;non admis
4;le 7 mars;a;b;p4;sante;VALIDÉE
5;08.03.2025;a;b;p5;sante;on verra
"""


def profile_file(tmp_path, text, name="svc-a.yml"):
    path = tmp_path / "sources" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_translates_headers_statuses_and_dates(tmp_path):
    profile = load_profile(profile_file(tmp_path, PROFILE))
    export = tmp_path / "svc-a" / "x.csv"
    export.parent.mkdir()
    export.write_text(EXPORT, encoding="utf-8")
    frame = read_export(export, REFERRALS, profile)
    assert frame["referral_date"].to_list() == [
        "2025-03-04", "2025-03-05", "2025-03-06",  # ISO stays ISO
        "le 7 mars",  # unreadable: kept as read, quarantined downstream as a bad date
        "2025-03-08"]
    # Words of the profile ignore case, accents and punctuation; others are left for dbt
    # (DORA's words are built in there; an unknown word is quarantined with its reason).
    assert frame["status"].to_list() == ["accepted", "accepted", "refused", "VALIDÉE",
                                         "on verra"]
    assert frame["target_service_id"].to_list() == ["b"] * 5


@pytest.mark.parametrize("text, problem", [
    ("colonnes: {}", "colonnes: Extra inputs are not permitted"),
    ("columns: {referal_id: x}", "columns: referal_id not a contract column"),
    ("statuses: {acceptd: Admis}", "statuses: acceptd not a contract status"),
    ("date_format: '%Y'", "date_format: '%Y' does not read back a date"),
    ("columns: [a, b]", "columns: Input should be a valid dictionary"),
    ("columns: {referral_id: [x", "not valid YAML"),
])
def test_a_wrong_profile_names_the_file_the_entry_and_the_fix(tmp_path, text, problem):
    with pytest.raises(InvalidProfile, match="sources/svc-a.yml") as error:
        load_profile(profile_file(tmp_path, text))
    assert problem in str(error.value)
    assert "docs/sources.md" in str(error.value)


def test_every_wrong_profile_of_a_home_is_reported_at_once(tmp_path):
    profile_file(tmp_path, "statuses: {x: y}", "one.yml")
    profile_file(tmp_path, "date_format: 3", "two.yml")
    profile_file(tmp_path, PROFILE, "fine.yml")
    with pytest.raises(InvalidProfile, match="one.yml.*two.yml"):
        load_profiles(Home(tmp_path))


def test_an_empty_profile_changes_nothing(tmp_path):
    assert load_profiles(Home(tmp_path)) == {}
    profile = load_profile(profile_file(tmp_path, ""))
    assert not profile.headers and not profile.statuses and profile.date_format is None
