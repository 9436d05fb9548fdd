"""Direct identifiers are refused whole, by header or by content, naming the column."""

import hashlib
import re
import uuid

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.columns import REFERRALS
from pipelines.ingest.identifiers import content_reason, content_reasons, header_reason
from pipelines.ingest.profiles import load_profile
from pipelines.ingest.readers import IdentifyingData, read_export

BASE = ("id_orientation,date_orientation,service_orienteur,service_destinataire,id_personne,"
        "besoins,motif_refus")
ROW = "r1,2025-03-04,a,b,p1,sante,{}"


@pytest.mark.parametrize("header, reason", [
    ("Nom", "name"), ("prénom", "name"), ("NOM_USAGER", "name"), ("last name", "name"),
    ("Nom de l'aidant", "name"), ("Date de naissance", "birth date"), ("DDN", "birth date"),
    ("birth_date", "birth date"), ("Adresse", "address"), ("adresse postale", "address"),
    ("Téléphone", "phone number"), ("tel_portable", "phone number"), ("e-mail", "e-mail"),
    ("Courriel", "e-mail"), ("NIR", "NIR"), ("N° de sécurité sociale", "NIR"),
    # Les emplois de l'inclusion: the candidate and the prescriber's worker.
    ("Nom candidat", "name"), ("Prénom candidat", "name"),
    ("Nom utilisateur prescripteur", "name"), ("Email candidat", "e-mail"),
    ("Téléphone candidat", "phone number"), ("Date de naissance candidat", "birth date"),
    # DORA: the beneficiary (first and last name in one column) and the referent.
    ("Bénéficiaire", "name"), ("beneficiary", "name"), ("Usager", "name"),
    ("beneficiary_first_name", "name"), ("beneficiary_phone", "phone number"),
    ("beneficiary_email", "e-mail"), ("referent_email", "e-mail"),
    ("referent_phone", "phone number"), ("referent_last_name", "name"),
    # A word of a person wins over a word of an organisation.
    ("Nom du référent de la structure", "name"), ("Nom agent service", "name"),
    ("Identifiant FT", "France Travail number"),
    ("beneficiary_france_travail_number", "France Travail number"),
    ("N° France Travail", "France Travail number"),
    ("Identifiant Pôle emploi", "France Travail number"),
    ("IdentifiantPE", "France Travail number"),
])
def test_identifying_headers(header, reason):
    assert header_reason(header) == reason


@pytest.mark.parametrize("header", [
    "id_personne", "service_orienteur", "Nom du service destinataire", "nom_structure",
    "commune_personne", "motif_refus", "date_orientation", "id_professionnel", "besoins",
    "statut", "Nomenclature", "type_aidant", "id_aidant",
    # Organisations, services and structures are not people.
    "Nom structure employeur", "Nom organisation prescripteur", "Structure concernée",
    "Structure émettrice", "Service concerné", "Type employeur",
    # A preference (EMAIL, TELEPHONE) is not contact data; a person's reference or commune is
    # not their name; an agency is not a France Travail number.
    "beneficiary_contact_preferences", "Réf. usager", "Commune usager", "Commune bénéficiaire",
    "id_beneficiaire", "beneficiary_id", "Agence France Travail",
])
def test_contract_and_service_headers_are_not_identifying(header):
    assert header_reason(header) is None


def test_a_person_header_the_profile_maps_to_the_contract_is_the_contract(tmp_path):
    profile = tmp_path / "sources" / "svc-a.yml"
    profile.parent.mkdir()
    profile.write_text("columns: {person_id: Usager}\n", encoding="utf-8")
    path = tmp_path / "svc-a" / "e.csv"
    path.parent.mkdir()
    header = BASE.replace("id_personne", "Usager")
    path.write_text(f"{header}\n{ROW.format('')}\n", encoding="utf-8")
    assert read_export(path, REFERRALS, load_profile(profile))["person_id"].to_list() == ["p1"]
    with pytest.raises(IdentifyingData, match="column 'Usager' is a direct identifier"):
        read_export(path, REFERRALS)


def nir(body: str) -> str:
    """A 13-character NIR body with its control key (2A/2B counted as 19/18)."""
    number = int(body.replace(" ", "").replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - number % 97:02d}"


@pytest.mark.parametrize("value, reason", [
    ("marie.dupont@example.org", "e-mail"),
    ("https://exemple.fr/contact?mail=jean.dupont@example.org&x=1", "e-mail"),
    ("https://exemple.fr/contact?mail=jean.dupont%40example.org", "e-mail"),
    ("joindre au 06 12 34 56 78 le matin", "phone number"),
    ("+33 6 12 34 56 78", "phone number"), ("0612345678", "phone number"),
    ("06.12.34.56.78", "phone number"), ("06-12-34-56-78", "phone number"),
    ("+33612345678", "phone number"), ("tél.:0612345678, merci", "phone number"),
    ("(06 12 34 56 78)", "phone number"), ("ref_0612345678", "phone number"),
    ("12 rue de la Paix", "address"), ("3 bis, avenue Jean Jaurès", "address"),
    ("suivi au 12, RUE des Lilas", "address"),
    ("1 85 05 78 006 048 30", "NIR"), ("185057800604830", "NIR"), ("2850578006048", "NIR"),
    (nir("285052A006048"), "NIR"), (nir("1 85 05 2B 006 048 "), "NIR"),
    ("2 85 05 2A 006 048", "NIR"), (f"NIR : {nir('1850578006048')}.", "NIR"),
    # a 15-digit number whose key is wrong, then a NIR one space apart
    ("185057800604831 2850578006048", "NIR"),
    # spaced, its first 13 characters stand alone: a NIR whatever the key
    ("1 85 05 78 006 048 31", "NIR"),
])
def test_identifying_values(value, reason):
    assert content_reason(pl.Series([None, "rien", value])) == reason


UUID = "3f2a9c1e-0612-3456-7890-0612345678ab"
SHA256 = "9c0e" + "1850578006048" + "a" + "0612345678" + "b" + "c" * 35  # 64 hex
DORA_LINK = ("https://dora.inclusion.beta.gouv.fr/orientations?"
             f"token=6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b&h={SHA256}")


@pytest.mark.parametrize("value", [
    "2025-03-04", "04/03/2025", "35238", "13001", "2A004", "sante--sante-mentale",
    "a1b2c3d4e5f6", "185057800604831",  # 15 digits whose control key is wrong: not a NIR
    "places insuffisantes", "svc-0042", "p-000123", "P000123", "S0100-000049", "12 places",
    "12345678901234", "123 456 789 00012",  # SIRET
    "1850578006048301",  # 16 digits: not a NIR
    # Pseudonyms: UUIDs, hex digests and links whose digit runs look like a phone or a NIR.
    UUID, UUID.upper(), UUID.replace("-", ""), "3f2a9c1e-0612-3456-7890-061234567890",
    "a0612345678b" + "0" * 20, "A0612345678B" + "0" * 20, SHA256, SHA256.upper(),
    hashlib.md5(b"x").hexdigest(), "0612345678" + "0" * 30, "1850578006048" + "ab" * 20,
    DORA_LINK, f"voir {DORA_LINK} (lien envoyé le 04/03/2025)",
])
def test_ordinary_values_are_not_identifying(value):
    assert content_reason(pl.Series([value])) is None


@pytest.mark.parametrize("extra_header, value, message", [
    ("Nom", "Dupont", "column 'Nom' is a direct identifier by its header (name)"),
    ("Téléphone", "x", "column 'Téléphone' is a direct identifier by its header (phone number)"),
    ("commentaire", "rappeler 06 12 34 56 78",
     "column 'commentaire' holds a direct identifier in its values (phone number)"),
    ("Identifiant FT", "x",
     "column 'Identifiant FT' is a direct identifier by its header (France Travail number)"),
    ("lien", "https://exemple.fr/c?mail=jean.dupont@example.org",
     "column 'lien' holds a direct identifier in its values (e-mail)"),
])
def test_a_file_with_an_identifying_column_is_refused_naming_it(tmp_path, extra_header, value,
                                                                  message):
    path = tmp_path / "e.csv"
    path.write_text(f"{BASE},{extra_header}\n{ROW.format('')},{value}\n", encoding="utf-8")
    with pytest.raises(IdentifyingData, match=re.escape(message)):
        read_export(path, REFERRALS)


def test_real_exports_organisation_columns_preferences_and_pseudonyms_are_read(tmp_path):
    extra = {"Nom structure employeur": "SIAE Les Jardins", "Nom organisation prescripteur":
             "CCAS de Rennes", "Structure concernée": "Épicerie sociale", "Structure émettrice":
             "CCAS", "Service concerné": "Aide alimentaire",
             "beneficiary_contact_preferences": "EMAIL", "lien": DORA_LINK, "hash": SHA256,
             "uuid": UUID.upper()}
    second = {**extra, "beneficiary_contact_preferences": "TELEPHONE"}
    path = tmp_path / "e.csv"
    path.write_text("\n".join([f"{BASE},{','.join(extra)}",
                               f"{ROW.format('')},{','.join(extra.values())}",
                               f"{ROW.format('')},{','.join(second.values())}", ""]),
                    encoding="utf-8")
    assert read_export(path, REFERRALS).height == 2


def test_contract_columns_are_searched_too(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(f"{BASE}\n{ROW.format('écrire à jean@example.fr')}\n", encoding="utf-8")
    message = "'motif_refus' holds a direct identifier in its values (e-mail)"
    with pytest.raises(IdentifyingData, match=re.escape(message)):
        read_export(path, REFERRALS)


@pytest.mark.parametrize("value", ["S0100-000001", "S0001-00000123", "0100-000001",
                                   "06 12-34 56.78", "P0612345678", "0612345678b", "a0612345678",
                                   "id 06123456789", "voir a0612345678b."])
def test_identifiers_with_digit_runs_are_not_phone_numbers(value):
    assert content_reason(pl.Series([value])) is None


# Property: pseudonyms never give a reason, wherever they are; an identifier always does.


def phones(styles=("block", "+33", " ", ".", "-")):
    def write(first, rest, style):
        pairs = [f"{first}"] + [rest[i:i + 2] for i in range(0, 8, 2)]
        if style == "block":
            return "0" + "".join(pairs)
        if style == "+33":
            return "+33 " + " ".join(pairs)
        return "0" + style.join(pairs)
    return st.builds(write, st.integers(1, 9), st.text("0123456789", min_size=8, max_size=8),
                     st.sampled_from(styles))


def nirs(spaced=st.booleans()):
    def write(sex, year, month, department, commune, order, keyed, spaced):
        parts = [str(sex), f"{year:02d}", f"{month:02d}", department, f"{commune:03d}",
                 f"{order:03d}"]
        if keyed:
            number = int("".join(parts).replace("2A", "19").replace("2B", "18"))
            parts.append(f"{97 - number % 97:02d}")
        return (" " if spaced else "").join(parts)
    return st.builds(write, st.integers(1, 2), st.integers(0, 99), st.integers(1, 12),
                     st.sampled_from(["75", "13", "2A", "2B", "01", "97"]),
                     st.integers(1, 999), st.integers(1, 999), st.booleans(), spaced)


HEX = "0123456789abcdefABCDEF"
# Hex made of random hex, long runs of digits and whole phone numbers and NIRs written as one
# block: what a pseudonym's digits look like at their worst.
hex_runs = st.lists(st.one_of(st.text(HEX, min_size=1, max_size=8),
                              st.text("0123456789", min_size=9, max_size=16),
                              phones(styles=("block",)), nirs(spaced=st.just(False))),
                    min_size=1, max_size=12).map("".join)


def cut(text: str, length: int) -> str:
    """``text`` repeated or cut to ``length`` characters."""
    return (text * (length // len(text) + 1))[:length]


def write_uuid(raw: bytes, upper: bool, hyphens: bool) -> str:
    value = uuid.UUID(bytes=raw, version=4)
    text = str(value) if hyphens else value.hex
    return text.upper() if upper else text


random_bytes = st.one_of(st.binary(min_size=16, max_size=16),
                         hex_runs.map(lambda text: bytes.fromhex(cut(text.lower(), 32))))
uuids = st.builds(write_uuid, random_bytes, st.booleans(), st.booleans())
digests = st.builds(cut, hex_runs, st.integers(16, 128))
links = st.builds(
    lambda token, digest: f"https://dora.inclusion.beta.gouv.fr/orientations?token={token}"
                          f"&h={digest}", uuids, digests)
ORDINARY = ["", "2025-03-04", "04/03/2025", "13001", "2A004", "S0100-000049", "P000123",
            "12345678901234", "VALIDÉE", "places insuffisantes", "sante--sante-mentale",
            "12 places", "svc-0042", "Épicerie sociale"]
pseudonymous = st.one_of(uuids, digests, links)
cells = st.one_of(
    st.none(), st.sampled_from(ORDINARY), pseudonymous,
    st.builds("{}{}{}".format, st.sampled_from(["", "voir ", "lien : ", "(", "ref=", "id:"]),
              pseudonymous, st.sampled_from(["", " merci", ")", ".", "&x=1", ", 2025-03-04"])))


@st.composite
def frames(draw):
    width = draw(st.integers(1, 5))
    height = draw(st.integers(1, 8))
    names = [f"c{index}" for index in range(width)]
    return pl.DataFrame({name: draw(st.lists(cells, min_size=height, max_size=height))
                         for name in names}, schema=dict.fromkeys(names, pl.String))


IDENTIFIERS = {
    "e-mail": st.builds(
        lambda local, domain, in_url: (f"https://exemple.fr/c?mail={local}@{domain}&t=1"
                                       if in_url else f"{local}@{domain}"),
        st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?", fullmatch=True),
        st.sampled_from(["example.org", "orange.fr", "gmail.com"]), st.booleans()),
    "phone number": phones(),
    "address": st.builds(
        lambda number, suffix, way, name: f"{number}{suffix} {way} {name}",
        st.integers(1, 9999), st.sampled_from(["", " bis", "bis", " ter", ",", " bis,"]),
        st.sampled_from(["rue", "Rue", "avenue", "AVENUE", "boulevard", "allée", "impasse",
                         "place", "chemin"]),
        st.sampled_from(["des Lilas", "Jean Jaurès", "de la Paix"])),
    "NIR": nirs(),
}
#: Where an identifier goes in its cell: alone, in text, next to what the cell held.
TEXTS = ["{}", "contact : {}", "{} (le matin)", "{old} {}", "{}, {old}"]
PROPERTY = settings(max_examples=100, deadline=None)


@PROPERTY
@given(frames())
def test_pseudonyms_and_ordinary_values_never_give_a_reason(frame):
    assert content_reasons(frame) == {}


@PROPERTY
@given(frames(), st.data())
def test_an_identifier_anywhere_gives_its_column_and_kind(frame, data):
    for kind, identifiers in IDENTIFIERS.items():
        column = data.draw(st.sampled_from(frame.columns))
        row = data.draw(st.integers(0, frame.height - 1))
        identifier = data.draw(identifiers)
        old = frame[column][row] or ""
        value = data.draw(st.sampled_from(TEXTS)).format(identifier, old=old)
        planted = frame.with_columns(frame[column].scatter(row, value))
        assert content_reasons(planted) == {column: kind}, value


def test_a_header_row_of_data_is_never_quoted(tmp_path):
    # No header row: the first row is read as headers, and one of them is a phone number.
    path = tmp_path / "svc" / "x.csv"
    path.parent.mkdir()
    path.write_text("r1,2025-03-04,a,b,p1,sante,06 12 34 56 78\n"
                    "r2,2025-03-05,a,b,p2,sante,06 98 76 54 32\n", encoding="utf-8")
    with pytest.raises(IdentifyingData, match="column 7's header") as error:
        read_export(path, REFERRALS)
    assert "06" not in str(error.value).replace("column 7", "")
