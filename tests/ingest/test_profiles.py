"""Mapping profiles: headers, constants, status words and rules, dates and time zones,
placeholders, lists, series, sections per kind; wrong profiles explained."""

import pytest

from pipelines.ingest.columns import REFERRALS, SUPPORTS
from pipelines.ingest.profiles import InvalidProfile, load_profile, load_profiles
from pipelines.ingest.readers import read_delivery, read_export
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


def export_file(tmp_path, text, name="x.csv", exporter="svc-a"):
    path = tmp_path / exporter / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_translates_headers_statuses_and_dates(tmp_path):
    profile = load_profile(profile_file(tmp_path, PROFILE))
    frame = read_export(export_file(tmp_path, EXPORT), REFERRALS, profile)
    assert frame["referral_date"].to_list() == [
        "2025-03-04", "2025-03-05", "2025-03-06",  # ISO stays ISO
        "le 7 mars",  # unreadable: kept as read, quarantined downstream as a bad date
        "2025-03-08"]
    # Words of the profile ignore case, accents and punctuation; others are left for dbt
    # (DORA's words are built in there; an unknown word is quarantined with its reason).
    assert frame["status"].to_list() == ["accepted", "accepted", "refused", "VALIDÉE",
                                         "on verra"]
    assert frame["target_service_id"].to_list() == ["b"] * 5


def test_a_referral_profile_of_todays_syntax_leaves_the_supports_export_alone(tmp_path):
    # Found on real deliveries: "service_id" of the supports file was renamed away by an
    # entry meant for the referral file, which was then refused.
    profile = load_profile(profile_file(tmp_path, "columns:\n  origin_service_id: service\n"
                                                  "  person_id: Usager\n"))
    supports = export_file(tmp_path, "support_id,support_date,service,Usager,type_aidant,"
                                     "id_aidant\nm1,2025-03-04,svc-a,p1,famille,h1\n")
    row = read_export(supports, SUPPORTS, profile).row(0, named=True)
    assert (row["service_id"], row["person_id"]) == ("svc-a", "p1")


def test_sections_apply_to_their_kind_and_win_over_the_top_level(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
columns: {person_id: Usager}
referrals:
  columns: {person_id: Personne, target_service_id: Vers, needs: Motifs}
supports:
  columns: {service_id: Structure}
"""))
    # The referrals section says the person is "Personne": its entry replaces the top
    # level's "Usager" for that kind; the supports export keeps the top level's.
    referrals = export_file(tmp_path, "id_orientation,date_orientation,service_orienteur,Vers,"
                                      "Personne,Ancien id,Motifs\nr1,2025-03-04,a,b,p1,zz,x\n")
    assert read_export(referrals, REFERRALS, profile)["person_id"].to_list() == ["p1"]
    supports = export_file(tmp_path, "id_mobilisation,date_mobilisation,Structure,Usager,"
                                     "type_aidant,id_aidant\nm1,2025-03-04,a,p1,famille,h1\n",
                           name="s.csv")
    row = read_export(supports, SUPPORTS, profile).row(0, named=True)
    assert (row["service_id"], row["person_id"]) == ("a", "p1")


def test_constants_give_the_exporter_the_row_number_or_a_value(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
referrals:
  columns:
    referral_id: {constant: $row}
    origin_service_id: {constant: $exporter}
    needs: {constant: "sante--sante-mentale"}
    referral_date: Le
    target_service_id: Vers
    person_id: Qui
"""))
    path = export_file(tmp_path, "Le,Vers,Qui\n2025-03-04,b,p1\n2025-03-05,c,p2\n",
                       exporter="ccas-nord")
    frame = read_export(path, REFERRALS, profile)
    assert frame.select("referral_id", "origin_service_id", "needs").rows() == [
        ("1", "ccas-nord", "sante--sante-mentale"), ("2", "ccas-nord", "sante--sante-mentale")]


def test_utc_timestamps_become_the_date_of_the_profiles_time_zone(tmp_path):
    # 23:30 UTC on 4 March is 00:30 on 5 March in Paris (UTC+1); 22:30 UTC on 4 July is
    # 00:30 on 5 July (UTC+2); a fraction of zero is not written at all.
    path = export_file(tmp_path, "id_orientation,date_orientation,service_orienteur,"
                                 "service_destinataire,id_personne,date_decision\n"
                                 "r1,2025-03-04T23:30:00.412Z,a,b,p1,2025-03-04T09:12:33Z\n"
                                 "r2,2025-07-04T22:30:00Z,a,b,p2,2025-07-04T21:59:59.999Z\n"
                                 "r3,2025-07-04 22:30:00+00:00,a,b,p3,2025-07-04T12:00:00\n")
    frame = read_export(path, REFERRALS)  # built in: no profile needed
    assert frame["referral_date"].to_list() == ["2025-03-05", "2025-07-05", "2025-07-05"]
    assert frame["decision_date"].to_list() == ["2025-03-04", "2025-07-04", "2025-07-04"]
    profile = load_profile(profile_file(tmp_path, "time_zone: America/Guadeloupe\n"
                                                  "date_formats: ['%d.%m.%Y %H:%M %z']\n"))
    frame = read_export(export_file(tmp_path, "id_orientation,date_orientation,"
                                              "service_orienteur,service_destinataire,"
                                              "id_personne\nr1,05.03.2025 02:00 +0000,a,b,"
                                              "p1\nr2,2025-03-05T02:00:00Z,a,b,p2\n",
                                    name="y.csv"), REFERRALS, profile)
    assert frame["referral_date"].to_list() == ["2025-03-04", "2025-03-04"]  # UTC-4


def test_several_date_formats_are_tried_in_order(tmp_path):
    profile = load_profile(profile_file(tmp_path, "date_formats: ['%d.%m.%Y', '%Y%m%d']\n"))
    path = export_file(tmp_path, "id_orientation,date_orientation,service_orienteur,"
                                 "service_destinataire,id_personne\nr1,04.03.2025,a,b,p1\n"
                                 "r2,20250305,a,b,p2\nr3,06/03/2025,a,b,p3\n")
    assert read_export(path, REFERRALS, profile)["referral_date"].to_list() == [
        "2025-03-04", "2025-03-05", "06/03/2025"]  # DD/MM/YYYY: read downstream


def test_status_rules_over_two_columns_and_words_with_typographic_apostrophes(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
statuses:
  pending: ["Action préalable à l'embauche"]
  refused: Candidature déclinée
  expired: [{status: Candidature déclinée, refusal_reason: [Refus automatique]}]
"""))
    path = export_file(tmp_path, "id_orientation,date_orientation,service_orienteur,"
                                 "service_destinataire,id_personne,statut,motif_refus\n"
                                 "r1,2025-03-04,a,b,p1,Candidature déclinée,Refus automatique\n"
                                 "r2,2025-03-04,a,b,p2,CANDIDATURE DECLINEE,Non joignable\n"
                                 "r3,2025-03-04,a,b,p3,Action préalable à l’embauche,\n"
                                 "r4,2025-03-04,a,b,p4,candidature déclinée,refus  AUTOMATIQUE\n")
    assert read_export(path, REFERRALS, profile)["status"].to_list() == [
        "expired", "refused", "pending", "expired"]


def test_placeholders_become_empty_and_lists_take_their_separator(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
placeholders: [Utilisateur supprimé, Pas de prescripteur]
list_separator: ", "
"""))
    path = export_file(tmp_path, "id_orientation,date_orientation,service_orienteur,"
                                 "service_destinataire,id_personne,besoins,id_professionnel\n"
                                 'r1,2025-03-04,PAS DE PRESCRIPTEUR,b,p1,"sante, justice",'
                                 "utilisateur supprime\n"
                                 'r2,2025-03-04,a,b,p2,"sante,justice ,",w1\n')
    frame = read_export(path, REFERRALS, profile)
    assert frame["origin_service_id"].to_list() == [None, "a"]
    assert frame["professional_id"].to_list() == [None, "w1"]
    assert frame["needs"].to_list() == ["sante|justice", "sante|justice"]


def test_series_come_from_file_name_patterns(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
series: {sent: "*envoy*", received: ["*recu*", "*reçu*"]}
"""))
    body = "id_orientation,date_orientation,service_orienteur,service_destinataire," \
           "id_personne\nr1,2025-03-04,a,b,p1\n"
    series = {name: read_delivery(export_file(tmp_path, body, name=name), REFERRALS,
                                  profile).series
              for name in ("Envoyées-2025-03.csv", "reçues mars.csv", "autre.csv")}
    assert series == {"Envoyées-2025-03.csv": "sent", "reçues mars.csv": "received",
                      "autre.csv": "default"}
    fixed = load_profile(profile_file(tmp_path, "supports: {series: aidants}\n", "b.yml"))
    assert fixed.for_kind("supports").series_of("x.csv") == "aidants"
    assert fixed.for_kind("referrals").series_of("x.csv") == "default"


@pytest.mark.parametrize("text, problem", [
    ("colonnes: {}", "colonnes: Extra inputs are not permitted"),
    ("columns: {referal_id: x}", "columns: referal_id not a contract column"),
    ("statuses: {acceptd: Admis}", "statuses: acceptd not a contract status"),
    ("date_format: '%Y'", "date_format: '%Y' does not read back a date"),
    ("date_formats: ['%d.%m']", "date_formats: '%d.%m' does not read back a date"),
    ("columns: [a, b]", "columns: Input should be a valid dictionary"),
    ("columns: {referral_id: [x", "not valid YAML"),
    ("time_zone: Paris", "time_zone: 'Paris' is not a time zone"),
    ("columns: {origin_service_id: {constant: $me}}", "'$me' is not a special constant"),
    ("columns: {origin_service_id: {value: x}}", "constant"),
    ("series: {Envoyées: x}", "series name 'Envoyées'"),
    ("supports: {columns: {referral_id: x}}", "referral_id not a column of supports exports"),
    ("supports: {statuses: {accepted: x}}", "support exports have no status"),
    ("statuses: {expired: [{status: x}]}", "refusal_reason"),
    ("list_separator: ''", "an empty separator"),
])
def test_a_wrong_profile_names_the_file_the_entry_and_the_fix(tmp_path, text, problem):
    with pytest.raises(InvalidProfile, match="sources/svc-a.yml") as error:
        load_profile(profile_file(tmp_path, text))
    assert problem in str(error.value)
    assert "docs/sources.md" in str(error.value)
    assert "\n" not in str(error.value)


def test_every_wrong_profile_of_a_home_is_reported_at_once(tmp_path):
    profile_file(tmp_path, "statuses: {x: y}", "one.yml")
    profile_file(tmp_path, "date_format: 3", "two.yml")
    profile_file(tmp_path, PROFILE, "fine.yml")
    with pytest.raises(InvalidProfile, match="one.yml.*two.yml"):
        load_profiles(Home(tmp_path))


def test_an_empty_profile_changes_nothing(tmp_path):
    assert load_profiles(Home(tmp_path)) == {}
    profile = load_profile(profile_file(tmp_path, "")).for_kind("referrals")
    assert not profile.headers and not profile.statuses and not profile.constants
    assert (profile.date_formats, profile.series, profile.time_zone) == (
        (), "default", "Europe/Paris")


def test_series_ignore_a_second_downloads_suffix_and_accents(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
series: {sent: ["candidatures.*", "candidatures-[0-9][0-9][0-9][0-9]-[0-9][0-9].*"],
         received: ["candidatures-*", "*recu*"]}
""")).for_kind("referrals")
    assert [profile.series_of(name) for name in (
        "candidatures-2025-03 (1).csv", "candidatures (2).xlsx", "Candidatures-ACI-Buëch.csv",
        "orientations-REÇUES.csv")] == ["sent", "sent", "received", "received"]


def test_a_sections_status_rule_wins_over_the_top_levels(tmp_path):
    profile = load_profile(profile_file(tmp_path, """
statuses: {expired: [{status: Non, refusal_reason: Délai}]}
referrals:
  statuses: {refused: [{status: Non, refusal_reason: Délai}]}
"""))
    path = export_file(tmp_path, "id_orientation,date_orientation,service_orienteur,"
                                 "service_destinataire,id_personne,statut,motif_refus\n"
                                 "r1,2025-03-04,a,b,p1,non,délai\n")
    assert read_export(path, REFERRALS, profile)["status"].to_list() == ["refused"]


def test_two_headers_of_one_column_in_one_export_take_the_first(tmp_path):
    profile = load_profile(profile_file(tmp_path, PROFILE))
    path = export_file(tmp_path, "N° dossier;Envoyé le;De;Vers;Partenaire;Usager;Motifs\n"
                                 "1;04.03.2025;a;b;c;p1;sante\n")
    assert read_export(path, REFERRALS, profile)["target_service_id"].to_list() == ["b"]
