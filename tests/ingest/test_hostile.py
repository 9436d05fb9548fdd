"""Hostile files: each is rejected with one clear reason, unread or read only as far as the
limits allow, and the run goes on with the other files (docs/sources.md, "What happens to
bad input"). Files stay small: the limits are lowered through ``reseau.toml``."""

import os
import random
import tracemalloc
import zipfile

import openpyxl
import pytest

from pipelines.ingest.formats import UnreadableFile, decode, read_table
from pipelines.ingest.landing import ingest_landing, printable
from reseau.errors import HomeError
from reseau.home import Home
from reseau.settings import Limits
from tests.ingest.test_landing import connect

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
#: Billion laughs: ``&lol9;`` is "lol" 10⁹ times, 3 GB, from a few hundred bytes.
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)) + "]>")


def limited(tmp_path, **limits) -> Home:
    """A home whose ``reseau.toml`` lowers ``limits``."""
    lines = "".join(f"{key} = {value}\n" for key, value in limits.items())
    (tmp_path / "reseau.toml").write_text(f"[limits]\n{lines}", encoding="utf-8")
    return Home.open(tmp_path)


def refusal(path, limits=Limits()) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_table(path, limits)
    return str(caught.value)


def peak_memory(function) -> int:
    """Peak bytes Python allocated while ``function`` ran."""
    tracemalloc.start()
    try:
        function()
    except UnreadableFile:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def xlsx(path, rows: str, *, shared: str | None = None, sheet_prolog: str = "",
         shared_prolog: str = "", sheet_extra: str = "", dimension: str = ""):
    """A workbook written part by part, as a hostile one would be."""
    sst = shared is not None
    parts = {
        "[Content_Types].xml":
            f'<Types xmlns="{PACKAGE}/content-types">'
            f'<Default Extension="rels" ContentType="{PACKAGE[:-5]}-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{SPREADSHEET}.worksheet+xml"/>'
            + ('<Override PartName="/xl/sharedStrings.xml" '
               f'ContentType="{SPREADSHEET}.sharedStrings+xml"/>' if sst else "")
            + "</Types>",
        "_rels/.rels":
            f'<Relationships xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<workbook {MAIN} xmlns:r="{OFFICE}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" '
               'Target="sharedStrings.xml"/>' if sst else "")
            + "</Relationships>",
        "xl/worksheets/sheet1.xml":
            f"{sheet_prolog}<worksheet {MAIN}>{dimension}<sheetData>{rows}</sheetData>"
            f"{sheet_extra}</worksheet>",
    }
    if sst:
        parts["xl/sharedStrings.xml"] = f"{shared_prolog}<sst {MAIN}>{shared}</sst>"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0"?>' + text)
    return path


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{text_cell("A1", "id_orientation")}{text_cell("B1", "besoins")}</row>'
ROW = f'<row r="2">{text_cell("A2", "r1")}{text_cell("B2", "sante")}</row>'


# --- Workbooks -------------------------------------------------------------------------------

def test_a_plain_workbook_written_part_by_part_reads(tmp_path):
    frame = read_table(xlsx(tmp_path / "ok.xlsx", HEADER + ROW))
    assert frame.rows() == [("r1", "sante")]


def test_a_workbook_that_unzips_to_more_than_the_limit_is_refused_unzipped(tmp_path):
    path = xlsx(tmp_path / "big.xlsx", HEADER + ROW)
    home = limited(tmp_path, max_unzipped_bytes=1_000)
    unzipped = sum(part.file_size for part in zipfile.ZipFile(path).infolist())
    assert refusal(path, home.limits) == (
        f"the workbook unzips to {unzipped / 1000:.1f} kB, over the limit of 1.0 kB ([limits] "
        "max_unzipped_bytes in reseau.toml); export it as CSV, or raise the limit")


def test_a_zip_bomb_is_refused_before_a_byte_of_it_is_inflated(tmp_path):
    # 50 MB of blanks in the sheet: a 50 kB file, 1000 times smaller than what it unzips to.
    path = xlsx(tmp_path / "bomb.xlsx", HEADER + ROW, sheet_extra=" " * 50_000_000)
    assert os.path.getsize(path) < 100_000
    message = refusal(path)
    assert message.startswith("not a workbook Excel or LibreOffice writes: its part "
                              "'xl/worksheets/sheet1.xml' unzips to ")
    assert message.endswith(" times its size (a zip bomb?), over the limit of 100 ([limits] "
                            "max_zip_ratio in reseau.toml); save it again as .xlsx or export "
                            "it as CSV")
    assert peak_memory(lambda: read_table(path)) < 1_000_000


XML_BOMB = ("not a workbook Excel or LibreOffice writes: its XML declares entities (an 'XML "
            "bomb' that would expand to gigabytes), refused unread; save it again as .xlsx or "
            "export it as CSV")


@pytest.mark.parametrize("where", ["shared strings", "sheet"])
@pytest.mark.parametrize("levels", [9, 3])
def test_an_xml_bomb_is_refused_unexpanded(tmp_path, where, levels):
    # 10⁹ laughs, and 10³ (which Python's own parser would expand: defusedxml refuses any).
    laughs = LAUGHS.replace("]>", "", 1).split("<!ENTITY lol")
    prolog = "<!ENTITY lol".join(laughs[:levels + 2]) + "]>"
    assert openpyxl.DEFUSEDXML
    if where == "sheet":
        path = xlsx(tmp_path / "bomb.xlsx", HEADER + ROW.replace("sante", f"&lol{levels};"),
                    sheet_prolog=prolog)
    else:
        path = xlsx(tmp_path / "bomb.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                    shared=f"<si><t>&lol{levels};</t></si>", shared_prolog=prolog)
    assert refusal(path) == XML_BOMB
    assert peak_memory(lambda: read_table(path)) < 2_000_000


def test_the_declared_size_of_a_sheet_is_not_believed(tmp_path):
    path = xlsx(tmp_path / "wide.xlsx", HEADER + ROW, dimension='<dimension ref="A1:XFD1048576"/>')
    peak = peak_memory(lambda: read_table(path))
    assert read_table(path).rows() == [("r1", "sante")]
    assert peak < 2_000_000  # not 1048576 rows of 16384 cells


def test_a_sheet_reaching_row_a_billion_is_refused_at_the_limit(tmp_path):
    far = f'<row r="1000000000">{text_cell("A1000000000", "r2")}</row>'
    path = xlsx(tmp_path / "tall.xlsx", HEADER + ROW + far)
    home = limited(tmp_path, max_rows=1_000)
    assert refusal(path, home.limits) == (
        "the first sheet has 1,001 rows or more, over the limit of 1,000 ([limits] max_rows in "
        "reseau.toml); split the export (one file per month) or raise the limit")


def test_a_header_wider_than_the_limit_is_refused(tmp_path):
    wide = HEADER.replace("</row>", text_cell("U1", "extra") + "</row>")  # column 21
    path = xlsx(tmp_path / "wide.xlsx", wide + ROW)
    home = limited(tmp_path, max_columns=20)
    assert refusal(path, home.limits) == (
        "the header has 21 columns or more, over the limit of 20 ([limits] max_columns in "
        "reseau.toml); deliver the contract's columns only, or raise the limit")
    # Within the limit the same header reads, its blank columns named by position.
    columns = read_table(path, limited(tmp_path, max_columns=21).limits).columns
    assert (len(columns), columns[2], columns[-1]) == (21, "column 3", "extra")


def test_a_cell_far_right_of_the_limit_is_never_read(tmp_path):
    far = ROW.replace("</row>", text_cell("XFD2", "far") + "</row>")
    assert read_table(xlsx(tmp_path / "far.xlsx", HEADER + far)).rows() == [("r1", "sante")]


def test_a_workbook_with_more_rows_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "rows.xlsx"
    book = openpyxl.Workbook()
    for row in [["id_orientation"], *([f"r{n}"] for n in range(30))]:
        book.active.append(row)
    book.save(path)
    assert refusal(path, limited(tmp_path, max_rows=20).limits).startswith(
        "the first sheet has 21 rows or more, over the limit of 20 ([limits] max_rows")
    assert read_table(path, limited(tmp_path, max_rows=30).limits).height == 30


def test_broken_xml_in_a_sheet_is_unreadable_not_a_crash(tmp_path):
    path = xlsx(tmp_path / "broken.xlsx", HEADER + "<row r='2'><c r='A2'")
    assert refusal(path).startswith("not a readable XLSX workbook (")


# --- Text files ------------------------------------------------------------------------------

def test_a_file_over_the_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"id_orientation," + b"x" * 3_000_000)  # one line, 3 MB
    home = limited(tmp_path, max_file_bytes=1_000_000)
    assert refusal(path, home.limits) == (
        "the file is 3.0 MB, over the limit of 1.0 MB ([limits] max_file_bytes in "
        "reseau.toml); split the export (one file per month) or raise the limit")
    assert peak_memory(lambda: read_table(path, home.limits)) < 100_000


def test_a_line_over_the_limit_is_refused_before_the_file_is_read_whole(tmp_path):
    path = tmp_path / "one-line.csv"
    path.write_bytes(b"id_orientation," + b"x" * 4_000_000)  # a 2 GB single line, smaller
    home = limited(tmp_path, max_line_bytes=100_000)
    message = refusal(path, home.limits)
    assert message.startswith("a line is ")
    assert message.endswith(" long or more, over the limit of 100.0 kB ([limits] "
                            "max_line_bytes in reseau.toml); deliver one row per line, or "
                            "raise the limit")
    assert peak_memory(lambda: read_table(path, home.limits)) < 1_500_000


def test_long_lines_of_utf16_are_measured_too(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(("id_orientation\tbesoins\r\n" + "é" * 60_000 + "\tx\r\n").encode("utf-16"))
    assert refusal(path, limited(tmp_path, max_line_bytes=100_000).limits).startswith(
        "a line is ")


def test_a_json_array_on_one_line_is_bounded_by_the_file_size_only(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('[{"id_orientation": "' + "x" * 200_000 + '"}]', encoding="utf-8")
    assert read_table(path, limited(tmp_path, max_line_bytes=1_000).limits).height == 1


def test_rows_and_columns_over_the_limits_are_refused(tmp_path):
    csv = tmp_path / "rows.csv"
    csv.write_text("id_orientation\n" + "r\n" * 11, encoding="utf-8")
    home = limited(tmp_path, max_rows=10, max_columns=5)
    assert refusal(csv, home.limits) == (
        "the file has 11 rows, over the limit of 10 ([limits] max_rows in reseau.toml); split "
        "the export (one file per month) or raise the limit")
    wide = tmp_path / "wide.csv"
    wide.write_text(";".join(f"c{n}" for n in range(6)) + "\n", encoding="utf-8")
    assert refusal(wide, home.limits).startswith("the header has 6 columns, over the limit of "
                                                 "5 ([limits] max_columns")
    keys = tmp_path / "keys.jsonl"  # 10⁴ lines of one new key each: 10⁸ cells if built
    keys.write_text("".join(f'{{"k{n}": 1}}\n' for n in range(10_000)), encoding="utf-8")
    home = limited(tmp_path, max_columns=5)
    assert refusal(keys, home.limits).startswith("the objects have 6 different keys or more")
    assert peak_memory(lambda: read_table(keys, home.limits)) < 5_000_000


def test_json_nested_thousands_deep_is_unreadable_not_a_crash(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert refusal(path) == "values are nested too deeply; deliver one flat object per row"


def test_random_bytes_are_not_a_text_file(tmp_path):
    path = tmp_path / "random.csv"
    path.write_bytes(random.Random(1).randbytes(100_000))
    assert refusal(path) == (
        "not a text file (it holds NUL bytes, as a spreadsheet, an archive, a PDF or UTF-16 "
        "text without a byte-order mark do); deliver CSV in UTF-8, XLSX or JSON")


def test_random_bytes_that_windows_1252_would_decode_are_not_a_text_file(tmp_path):
    undefined = set(b"\x00\x81\x8d\x8f\x90\x9d")  # NUL and what Windows-1252 cannot decode
    data = bytes(b for b in random.Random(2).randbytes(20_000) if b not in undefined)
    assert decode(data)[1] == "cp1252"  # so decoding alone would take it for text
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    controls = sum(b < 32 and b not in b"\t\n\r\f\x1a" for b in data)
    assert refusal(path) == (f"not a text file ({controls:,} control characters in "
                             f"{len(data) / 1000:.1f} kB); deliver CSV in UTF-8, XLSX or JSON")


def test_a_stray_control_character_in_a_text_is_not_binary(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_bytes(b"id_orientation;commentaire\r\n"
                     + b"".join(b"r%d;vu le 3%s4 mars\r\n" % (n, b"\x0b" if n % 7 == 0 else b" ")
                                for n in range(20)))
    assert read_table(path).height == 20


# --- Settings --------------------------------------------------------------------------------

def test_limits_default_and_are_raised_in_reseau_toml(tmp_path):
    assert Home(tmp_path).limits == Limits()
    assert Limits().max_file_bytes == 300_000_000
    raised = limited(tmp_path, max_file_bytes="2_000_000_000").limits
    assert raised == Limits(max_file_bytes=2_000_000_000)


POSITIVE = "is not a positive whole number (e.g. max_rows = 5_000_000): fix or remove it"


@pytest.mark.parametrize("toml, problem", [
    ("[limits]\nmax_rows = 0\n", f"[limits] max_rows = 0 {POSITIVE}"),
    ('[limits]\nmax_rows = "lots"\n', f"[limits] max_rows = 'lots' {POSITIVE}"),
    ("[limits]\nmax_rows = 1.5\n", f"[limits] max_rows = 1.5 {POSITIVE}"),
    ("[limits]\nmax_rows = true\n", f"[limits] max_rows = True {POSITIVE}"),
    ("[limits]\nmax_bytes = 10\n", "[limits] max_bytes is not a limit (known: max_file_bytes, "
     "max_line_bytes, max_rows, max_columns, max_unzipped_bytes, max_zip_ratio): fix or "
     "remove it"),
    ("limits = 10\n", "limits must be a table ([limits] with one key per line): fix or "
     "remove it"),
])
def test_a_bad_limit_is_a_one_line_error(tmp_path, toml, problem):
    (tmp_path / "reseau.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(HomeError) as caught:
        Home.open(tmp_path)
    assert str(caught.value) == f"{tmp_path / 'reseau.toml'}: {problem}"


# --- The landing folder ----------------------------------------------------------------------

def outcomes_of(home):
    con = connect(home)
    return con, {outcome.file: outcome for outcome in ingest_landing(con, home)}


def test_a_hostile_file_is_rejected_and_the_good_one_beside_it_loads(tiny_home):
    folder = tiny_home.landing / "referrals" / "S3"
    (folder / "random.csv").write_bytes(random.Random(3).randbytes(50_000))
    (tiny_home.root / "reseau.toml").write_text("[limits]\nmax_file_bytes = 40_000\n",
                                                encoding="utf-8")
    home = Home.open(tiny_home.root)
    con, outcomes = outcomes_of(home)
    random_file = outcomes["landing/referrals/S3/random.csv"]
    assert (random_file.status, random_file.error) == ("rejected", (
        "landing/referrals/S3/random.csv: the file is 50.0 kB, over the limit of 40.0 kB "
        "([limits] max_file_bytes in reseau.toml); split the export (one file per month) or "
        "raise the limit"))
    good = outcomes["landing/referrals/S3/S3_2024-05.csv"]
    assert (good.status, good.rows_read) == ("loaded", 2)
    assert sum(o.status == "loaded" for o in outcomes.values()) == 5
    assert con.execute("select status from raw.files where file = "
                       "'landing/referrals/S3/random.csv'").fetchall() == [("rejected",)]
    assert (home.rejected / "referrals" / "S3" / "random.csv").stat().st_size == 50_000


def test_a_linked_file_is_rejected_and_its_target_left_alone(tiny_home, tmp_path):
    outside = tmp_path / "outside" / "secret.csv"
    outside.parent.mkdir()
    secret = (tiny_home.landing / "referrals" / "S3" / "S3_2024-05.csv").read_bytes()
    outside.write_bytes(secret)  # a readable export: it still must not be read
    link = tiny_home.landing / "referrals" / "S3" / "link.csv"
    link.symlink_to(outside)
    con, outcomes = outcomes_of(tiny_home)
    outcome = outcomes["landing/referrals/S3/link.csv"]
    assert (outcome.status, outcome.exporter_id, outcome.rows_read) == ("rejected", "S3", None)
    assert outcome.error == (
        f"landing/referrals/S3/link.csv: a symbolic link (to {outside}), not a file: links in "
        "landing/ are never followed; deliver the file itself")
    moved = tiny_home.rejected / "referrals" / "S3" / "link.csv"
    assert moved.is_symlink() and os.readlink(moved) == str(outside)  # the link, moved
    assert not os.path.lexists(link)
    assert outside.read_bytes() == secret  # the target, untouched
    assert "symbolic link" in (moved.parent / "link.csv.error.txt").read_text(encoding="utf-8")
    assert con.execute("select count(*) from raw.referral_rows where file like '%link%'"
                       ).fetchone()[0] == 0
    assert ingest_landing(con, tiny_home) == []  # nothing new the second time


def test_a_linked_exporter_folder_is_rejected_whole_and_never_entered(tiny_home, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "export.csv").write_bytes(
        (tiny_home.landing / "referrals" / "S3" / "S3_2024-05.csv").read_bytes())
    (tiny_home.landing / "referrals" / "S9").symlink_to(outside, target_is_directory=True)
    (tiny_home.rejected / "referrals" / "S9").mkdir(parents=True)  # an earlier rejection
    con, outcomes = outcomes_of(tiny_home)
    outcome = outcomes["landing/referrals/S9"]
    assert (outcome.status, outcome.exporter_id) == ("rejected", "S9")
    assert outcome.error.startswith(f"landing/referrals/S9: a symbolic link (to {outside})")
    assert sorted(outcomes) == sorted([*(f"landing/referrals/{name}" for name in (
        "S1/S1_2024-05.csv", "S1/S1_2024-06.csv", "S1/S1_2024-06_v2.csv", "S3/S3_2024-05.csv",
        "S9")), "landing/supports/S1/S1_2024-05.csv"])
    assert (tiny_home.rejected / "referrals" / "S9 (2)").is_symlink()
    assert [path.name for path in outside.iterdir()] == ["export.csv"]


def test_odd_file_names_are_recorded_readably_and_moved_aside_within_the_home(tiny_home):
    folder = tiny_home.landing / "referrals" / "S3"
    good = folder / "l'export \"mars\" ..\\..\\S3 é.csv"
    good.write_bytes((folder / "S3_2024-05.csv").read_bytes().replace(b"x1,", b"y1,"))
    names = [os.fsdecode(b"broken\n..name \"\xff\".csv"), "a..b..csv", "x" * 250 + ".csv"]
    for number, name in enumerate(names):
        (folder / name).write_bytes(b"\x00%d" % number)  # each its own bytes
    con, outcomes = outcomes_of(tiny_home)
    good_file = "landing/referrals/S3/l'export \"mars\" ..\\\\..\\\\S3 é.csv"  # \ doubled
    assert outcomes[good_file].status == "loaded"
    assert con.execute("select count(*) from raw.referral_rows where file = ?",
                       [good_file]).fetchone()[0] == 2
    recorded = "landing/referrals/S3/broken\\n..name \"\\xff\".csv"
    assert printable("landing/referrals/S3/" + names[0], name=True) == recorded
    assert outcomes[recorded].status == "rejected"
    assert outcomes[recorded].error.startswith(recorded + ": not a text file")
    rejected = tiny_home.rejected / "referrals" / "S3"
    assert sorted(os.listdir(tiny_home.rejected)) == ["referrals"]
    assert (rejected / names[0]).read_bytes() == b"\x000"
    assert (rejected / "a..b..csv").exists()
    long_name = "x" * 241 + ".csv"  # cut to leave room for .error.txt
    assert (rejected / long_name).exists()
    for name in (names[0], "a..b..csv", long_name):
        text = (rejected / (name + ".error.txt")).read_text(encoding="utf-8")
        assert text.count("\n") == 1 and ": not a text file" in text
    assert con.execute("select count(*) from raw.files where status = 'rejected'"
                       ).fetchone()[0] == 3
