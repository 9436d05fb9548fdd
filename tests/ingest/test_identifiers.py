"""Direct identifiers are refused whole, by header or by content, naming the column."""

import re

import polars as pl
import pytest

from pipelines.ingest.columns import REFERRALS
from pipelines.ingest.identifiers import content_reason, header_reason
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
])
def test_identifying_headers(header, reason):
    assert header_reason(header) == reason


@pytest.mark.parametrize("header", [
    "id_personne", "service_orienteur", "Nom du service destinataire", "nom_structure",
    "commune_personne", "motif_refus", "date_orientation", "id_professionnel", "besoins",
    "statut", "Nomenclature", "type_aidant", "id_aidant",
])
def test_contract_and_service_headers_are_not_identifying(header):
    assert header_reason(header) is None


@pytest.mark.parametrize("value, reason", [
    ("marie.dupont@example.org", "e-mail"),
    ("joindre au 06 12 34 56 78 le matin", "phone number"),
    ("+33 6 12 34 56 78", "phone number"), ("0612345678", "phone number"),
    ("12 rue de la Paix", "address"), ("3 bis, avenue Jean Jaurès", "address"),
    ("1 85 05 78 006 048 30", "NIR"), ("185057800604830", "NIR"), ("2850578006048", "NIR"),
])
def test_identifying_values(value, reason):
    assert content_reason(pl.Series([None, "rien", value])) == reason


@pytest.mark.parametrize("value", [
    "2025-03-04", "04/03/2025", "35238", "2A004", "sante--sante-mentale", "a1b2c3d4e5f6",
    "185057800604831",  # 15 digits whose control key is wrong: not a NIR
    "places insuffisantes", "svc-0042", "p-000123", "12 places",
])
def test_ordinary_values_are_not_identifying(value):
    assert content_reason(pl.Series([value])) is None


@pytest.mark.parametrize("extra_header, value, message", [
    ("Nom", "Dupont", "column 'Nom' is a direct identifier by its header (name)"),
    ("Téléphone", "x", "column 'Téléphone' is a direct identifier by its header (phone number)"),
    ("commentaire", "rappeler 06 12 34 56 78",
     "column 'commentaire' holds a direct identifier in its values (phone number)"),
])
def test_a_file_with_an_identifying_column_is_refused_naming_it(tmp_path, extra_header, value,
                                                                  message):
    path = tmp_path / "e.csv"
    path.write_text(f"{BASE},{extra_header}\n{ROW.format('')},{value}\n", encoding="utf-8")
    with pytest.raises(IdentifyingData, match=re.escape(message)):
        read_export(path, REFERRALS)


def test_contract_columns_are_searched_too(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(f"{BASE}\n{ROW.format('écrire à jean@example.fr')}\n", encoding="utf-8")
    message = "'motif_refus' holds a direct identifier in its values (e-mail)"
    with pytest.raises(IdentifyingData, match=re.escape(message)):
        read_export(path, REFERRALS)


@pytest.mark.parametrize("value", ["S0100-000001", "S0001-00000123", "0100-000001",
                                   "06 12-34 56.78"])
def test_identifiers_with_digit_runs_are_not_phone_numbers(value):
    assert content_reason(pl.Series([value])) is None
