"""The directory as data·inclusion's producers' workbook (``dataset.xlsx``): the same directory
and issues as the JSON form of the same records, codes stored as numbers and all."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import polars as pl
import pytest

from pipelines.ingest.directory import read_directory
from pipelines.ingest.directory.records import _code, _zone_code
from pipelines.ingest.directory.workbook import _folded
from pipelines.ingest.reference import reference_frames, required_files
from reseau.errors import UnusableReference
from reseau.home import Home
from tests.ingest.test_directory import (
    EXPECTED,
    EXPECTED_ISSUES,
    SECRETS,
    SECTORS_CSV,
    SERVICES,
    STRUCTURES,
    write_records,
)

PAST = "2024-03-01"
CODES = ("code_insee", "code_postal", "siret")
UNSPACED = {"di--cmp", "s-asso-1", "18"}  # lists joined by "," (the others by ", ")

# Records of the template's real shape, beyond the hand-made ones of test_directory.py.
TEMPLATE_STRUCTURES = [
    # a code_insee and a code_postal that lose a zero, a SIRET that loses two
    {"source": "t", "id": "di--ain", "nom": "Maison de l'Ain", "date_maj": PAST,
     "code_insee": "01053", "code_postal": "01000", "siret": "00552013500019",
     "reseaux_porteurs": ["france-travail"], "telephone": "+33612345678"},
    # Corse: text codes, kept as text
    {"source": "t", "id": "di--corse", "nom": "Antenne d'Ajaccio", "date_maj": PAST,
     "code_insee": "2A004", "code_postal": "20000", "siret": "60487647500499"},
    # an id given as a number
    {"source": "t", "id": "17", "nom": "Association du Nord", "date_maj": PAST,
     "code_insee": "59350", "code_postal": "59260"},
]
TEMPLATE_SERVICES = [
    # a family thematique; a département zone 1.0; a list of modes as "a, b"
    {"source": "t", "structure_id": "di--ain", "id": "s-ain-1", "nom": "Logement",
     "description": "Aide au logement.", "date_maj": PAST,
     "thematiques": ["logement-hebergement"], "zone_eligibilite": ["01"],
     "modes_mobilisation": ["se-presenter", "telephoner"], "nombre_semaines": 12},
    # an EPCI zone, as a number: left out and reported
    {"source": "t", "structure_id": "di--ain", "id": "s-ain-2", "nom": "Santé",
     "description": "Accès aux soins.", "date_maj": PAST,
     "thematiques": ["sante--acces-aux-soins"], "zone_eligibilite": ["200093201"]},
    # an overseas département, as a number
    {"source": "t", "structure_id": "di--ain", "id": "s-ain-3", "nom": "Outre-mer",
     "description": "Service ultramarin.", "date_maj": PAST,
     "thematiques": ["famille"], "zone_eligibilite": ["971"]},
    {"source": "t", "structure_id": "di--corse", "id": "s-corse", "nom": "Accueil",
     "description": "Accueil en Corse.", "date_maj": PAST,
     "thematiques": ["sante", "justice"], "zone_eligibilite": ["2A", "2B033"]},
    # communes joined by "," without a space
    {"source": "t", "structure_id": "17", "id": "18", "nom": "Emploi",
     "description": "Trouver un emploi.", "date_maj": PAST,
     "thematiques": ["trouver-un-emploi--repondre-a-des-offres-demploi"],
     "zone_eligibilite": ["59350", "59000"], "publics": ["jeunes", "familles"]},
]
# The template's other columns, as in data·inclusion's valideur: the description and example
# rows are marked in __ignore__.
DESCRIPTION = "Identifiant unique de la structure"
EXAMPLE = "ccas-lille--42"


def _cell(key: str, value, *, spaced: bool = True):
    """One value of a JSON record as the producers' template stores it."""
    if value is None:
        return None
    if key in CODES and value.isdigit():
        return float(value)  # 01053 is 1053.0
    if key == "date_maj":
        return dt.date.fromisoformat(value)
    if key == "zone_eligibilite" and len(value) == 1 and value[0].isdigit():
        return float(value[0])  # one code: a number
    if key == "id" and value.isdigit():
        return float(value)
    if key == "structure_id" and value.isdigit():
        return int(value)
    if isinstance(value, int):
        return float(value)  # every number is a float
    if isinstance(value, list):
        return (", " if spaced else ",").join(value)
    return value


def write_workbook(path, structures: list[dict], services: list[dict], *,
                   template: bool = True, sheets=("Structures", "Services")):
    """A workbook in data·inclusion's template: the two sheets, then vocabulary sheets."""
    from data_inclusion.schema.v1 import Public, Thematique

    book = openpyxl.Workbook()
    book.remove(book.active)
    if not template:  # a vocabulary sheet first: the first sheet is not the one read
        book.create_sheet("thematiques").append(["value", "label"])
    for title, records in zip(sheets, (structures, services), strict=True):
        if title is None:
            continue
        sheet = book.create_sheet(title)
        fields = list(dict.fromkeys(key for record in records for key in record))
        if template:  # no source column; description and example rows to skip
            fields = ["__ignore__", *(field for field in fields if field != "source")]
            sheet.append(fields)
            sheet.append(["description"] + [DESCRIPTION] * (len(fields) - 1))
            sheet.append([True] + [EXAMPLE] * (len(fields) - 1))
        else:
            sheet.append(fields)
        for number, record in enumerate(records):
            spaced = record["id"] not in UNSPACED
            sheet.append([_cell(key, record.get(key), spaced=spaced) for key in fields])
            if number == 2:
                sheet.append([])  # a blank row
    for name, vocabulary in (("thematiques", Thematique), ("publics", Public)):
        if name not in book.sheetnames:
            sheet = book.create_sheet(name)
            sheet.append(["value", "label"])
            for item in vocabulary:
                sheet.append([item.value, item.label])
    book.save(path)
    return path


@pytest.fixture
def di_home(tiny_home) -> Home:
    (tiny_home.reference / "services.csv").unlink()
    (tiny_home.reference / "data-inclusion").mkdir()
    (tiny_home.reference / "sectors.csv").write_text(SECTORS_CSV, encoding="utf-8")
    return tiny_home


def _read(home: Home, structures, services, form: str, **options):
    folder = home.reference / "data-inclusion"
    for path in folder.iterdir():
        path.unlink()
    if form == "xlsx":
        write_workbook(folder / "dataset.xlsx", structures, services, **options)
    else:
        write_records(folder, "structures", structures, form)
        write_records(folder, "services", services, form)
    issues: list = []
    frame = reference_frames(home, issues)["services"]
    return frame, issues


def _comparable(frame: pl.DataFrame, issues: list) -> tuple[list, list]:
    """Rows without their file, issues naming structures, services or sectors."""
    def kind(name: str) -> str:
        for word in ("structures", "services", "sectors"):
            if word in name.lower():
                return word
        return name

    names = {issue.file for issue in issues}
    found = []
    for issue in issues:
        problem = issue.problem
        for name in names:
            problem = problem.replace(name, kind(name))
        found.append((kind(issue.file), issue.record, problem))
    return frame.drop("file").rows(), sorted(found)


@pytest.mark.parametrize("template", [True, False], ids=["template", "plain"])
def test_the_workbook_gives_what_the_json_form_gives(di_home, template):
    sheets = ("Structures", "Services") if template else ("STRUCTURES", "services")
    frame, issues = _read(di_home, STRUCTURES, SERVICES, "xlsx", template=template,
                          sheets=sheets)
    assert frame.select("service_id", "name", "sector", "commune", "competences",
                        "served_area").rows() == EXPECTED
    assert set(frame["file"]) == {"dataset.xlsx"}
    assert _comparable(frame, issues) == _comparable(*_read(di_home, STRUCTURES, SERVICES,
                                                            "json"))
    assert len(issues) == len(EXPECTED_ISSUES)
    sheet = "Structures" if template else "STRUCTURES"
    assert any(issue.file == f"dataset.xlsx (sheet {sheet})" and issue.record == "di--future"
               for issue in issues)
    text = " ".join(str(value) for row in frame.rows() for value in row)
    text += " ".join(str(issue) for issue in issues)
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("template", [True, False], ids=["template", "plain"])
def test_numeric_codes_get_their_zeros_back(di_home, template):
    structures = STRUCTURES + TEMPLATE_STRUCTURES
    services = SERVICES + TEMPLATE_SERVICES
    frame, issues = _read(di_home, structures, services, "xlsx", template=template)
    assert _comparable(frame, issues) == _comparable(*_read(di_home, structures, services,
                                                            "json"))
    rows = {row["service_id"]: row for row in frame.iter_rows(named=True)}
    assert rows["di--ccas"]["commune"] == "01001"  # 1001.0
    assert (rows["di--ain"]["commune"], rows["di--ain"]["served_area"],
            rows["di--ain"]["competences"]) == (
        "01053", "01|971", "famille|logement-hebergement|sante--acces-aux-soins")
    assert (rows["di--corse"]["commune"], rows["di--corse"]["served_area"]) == (
        "2A004", "2A|2B033")
    assert rows["17"]["offers"] == "18" and rows["17"]["served_area"] == "59000|59350"
    assert any(issue.record == "s-ain-2" and "EPCI code(s) left out of zone_eligibilite "
               "(200093201)" in issue.problem for issue in issues)
    assert len(issues) == len(EXPECTED_ISSUES) + 1
    text = " ".join(str(issue) for issue in issues)
    assert "+33612345678" not in text and "+33612345678" not in str(frame.rows())


def test_the_workbook_holds_the_numbers_the_template_stores(tmp_path):
    # The test's workbook is what the brief describes: codes as floats, lists as text.
    path = write_workbook(tmp_path / "dataset.xlsx", STRUCTURES + TEMPLATE_STRUCTURES,
                          SERVICES + TEMPLATE_SERVICES)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Structures", "Services", "thematiques", "publics"]
    structures = list(book["Structures"].values)
    header = structures[0]
    ain = next(row for row in structures if "di--ain" in row)
    assert ain[header.index("code_insee")] == 1053.0
    assert ain[header.index("siret")] == 552013500019.0
    assert isinstance(ain[header.index("date_maj")], dt.datetime)
    services = list(book["Services"].values)
    header = services[0]
    zones = {row[header.index("id")]: row[header.index("zone_eligibilite")]
             for row in services[3:] if any(row)}
    assert (zones["s-ain-1"], zones["s-ain-2"], zones["s-cmp"], zones[18.0]) == (
        1.0, 200093201.0, 99100.0, "59350,59000")


def test_a_code_with_decimals_is_not_rounded_but_left_out(di_home):
    structures = [dict(record) for record in STRUCTURES]
    services = [dict(record) for record in SERVICES]
    folder = di_home.reference / "data-inclusion"
    path = write_workbook(folder / "dataset.xlsx", structures, services)
    book = openpyxl.load_workbook(path)
    for title, record_id, field, value in (("Structures", "di--ccas", "code_insee", 1001.5),
                                           ("Services", "s-asso-1", "zone_eligibilite",
                                            "3, 59350.5")):
        sheet = book[title]
        header = [cell.value for cell in sheet[1]]
        row = next(row for row in sheet.iter_rows(min_row=2) if row[header.index("id")].value
                   == record_id)
        row[header.index(field)].value = value
    book.save(path)
    issues: list = []
    frame = reference_frames(di_home, issues)["services"]
    assert "di--ccas" not in frame["service_id"].to_list()
    found = {(issue.record, issue.problem) for issue in issues}
    assert ("di--ccas", "left out: code_insee: 1001.5 is a number with decimals, not a "
            "code") in found
    assert ("s-asso-1", "left out: zone_eligibilite: '59350.5' is a number with decimals, "
            "not a code") in found
    # its services name a structure left out, as in any form
    assert any(record == "s-ccas-1" and "'di--ccas' is not a structure kept from "
               "dataset.xlsx (sheet Structures)" in problem for record, problem in found)


def test_two_workbooks_are_refused_naming_them(di_home):
    folder = di_home.reference / "data-inclusion"
    write_workbook(folder / "dataset.xlsx", STRUCTURES, SERVICES)
    write_workbook(folder / "dataset (2).xlsx", STRUCTURES, SERVICES)
    (folder / "~$dataset.xlsx").write_bytes(b"an Excel lock file")  # not a workbook
    with pytest.raises(UnusableReference, match=re.escape(
            "2 workbooks in ") + r".*data-inclusion \(dataset \(2\)\.xlsx, dataset\.xlsx\): "
            r"the directory in data·inclusion form is one workbook .*keep only one of them"):
        required_files(di_home)


def test_a_workbook_without_a_services_sheet_is_a_missing_reference(di_home):
    write_workbook(di_home.reference / "data-inclusion" / "dataset.xlsx", STRUCTURES, SERVICES,
                   sheets=("Structures", None))
    with pytest.raises(UnusableReference, match=re.escape(
            "dataset.xlsx has no sheet Services (its sheets: Structures, thematiques, "
            "publics): the directory as a workbook follows data·inclusion's template")):
        reference_frames(di_home)


@pytest.mark.parametrize(("field", "value", "code"), [
    ("code_insee", 59350.0, "59350"), ("code_insee", 59350, "59350"),
    ("code_insee", 1053.0, "01053"), ("code_insee", "1053", "01053"),
    ("code_insee", "59350.0", "59350"), ("code_insee", "2A004", "2A004"),
    ("code_insee", "01053", "01053"), ("code_insee", True, True),
    ("code_postal", 1000.0, "01000"), ("code_postal", "75012", "75012"),
    ("siret", 60487647500499.0, "60487647500499"), ("siret", 552013500019.0, "00552013500019"),
    ("siret", 552013500.0, "552013500"),  # a SIREN, not a SIRET: validation says so
])
def test_a_code_gets_back_the_zeros_a_spreadsheet_dropped(field, value, code):
    assert _code(field, value) == code


@pytest.mark.parametrize(("value", "code"), [
    (1.0, "01"), ("1", "01"), (59.0, "59"), (971.0, "971"), ("2A", "2A"), ("2B", "2B"),
    (1053.0, "01053"), (59350.0, "59350"), ("2A004", "2A004"), (99100.0, "99100"),
    (200093201.0, "200093201"), (20009320.0, "020009320"), ("france", "france"),
])
def test_a_zone_code_is_read_by_its_length(value, code):
    assert _zone_code(value) == code


def test_sheet_names_are_matched_ignoring_case_and_accents():
    assert _folded(" Sérvices ") == _folded("SERVICES") == "services"
    assert _folded("STRUCTURES") == "structures"


def test_files_win_over_a_workbook_with_one_line_saying_so(di_home):
    folder = di_home.reference / "data-inclusion"
    write_workbook(folder / "dataset.xlsx", STRUCTURES[:1], SERVICES[:1])
    write_records(folder, "structures", STRUCTURES, "json")
    write_records(folder, "services", SERVICES, "json")
    issues: list = []
    frame = reference_frames(di_home, issues)["services"]
    assert frame.select("service_id", "name", "sector", "commune", "competences",
                        "served_area").rows() == EXPECTED
    assert set(frame["file"]) == {"structures.json"}
    workbook = [issue for issue in issues if issue.file == "dataset.xlsx"]
    assert [(issue.record, issue.problem) for issue in workbook] == [
        ("workbook", "ignored: structures.json and services.json are present and win; remove "
                     "the workbook or those files")]
    assert len(issues) == len(EXPECTED_ISSUES) + 1
    # With only one of the files, the missing one is named, and the workbook is not read.
    (folder / "services.json").unlink()
    with pytest.raises(UnusableReference, match=r"no services file .*\(dataset\.xlsx is not "
                                               r"read while a structures or services file"):
        required_files(di_home)


def test_the_workbook_is_held_to_the_home_limits_before_openpyxl_opens_it(di_home,
                                                                         monkeypatch):
    write_workbook(di_home.reference / "data-inclusion" / "dataset.xlsx", STRUCTURES, SERVICES)
    (di_home.root / "reseau.toml").write_text("[limits]\nmax_unzipped_bytes = 1000\n",
                                              encoding="utf-8")

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened a workbook over the limits")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(UnusableReference, match=r"dataset\.xlsx cannot be read: the workbook "
                                               r"unzips to .* over the limit of 1\.0 kB "
                                               r"\(\[limits\] max_unzipped_bytes"):
        reference_frames(Home.open(di_home.root))


def test_read_directory_takes_the_limits_too(di_home):
    from reseau.settings import Limits

    folder = di_home.reference / "data-inclusion"
    write_workbook(folder / "dataset.xlsx", STRUCTURES, SERVICES)
    frame, _ = read_directory(folder, di_home.reference / "sectors.csv")
    assert frame.height == len(EXPECTED)
    with pytest.raises(UnusableReference, match=r"sheet Structures has 2 rows or more, over "
                                               r"the limit of 1 \(\[limits\] max_rows"):
        read_directory(folder, limits=Limits(max_rows=1))
