"""The PDF beside each HTML report: A4, printed by headless Chromium, a section per page,
and the text a board member reads, checked with poppler's pdftotext."""

import re
import shutil
import subprocess

import pytest

from pipelines.cli.runner import run_pipeline
from pipelines.publish.pdf import pdf_printer
from reseau.errors import HomeError
from reseau.home import Home


@pytest.fixture(scope="module")
def printed(tiny_run, tmp_path_factory) -> Home:
    """The tiny home after its run, June's indicators and reports made again with PDFs."""
    root = shutil.copytree(tiny_run.root, tmp_path_factory.mktemp("pdf") / "tiny")
    (root / "reseau.toml").write_text("pdf_reports = true\n", encoding="utf-8")
    home = Home.open(root)
    assert run_pipeline(home, ["2024-06-01"], stage="indicators")
    return home


def poppler(tool: str, *args: str) -> str:
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: `make test` installs Debian's poppler-utils")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def test_every_report_of_the_run_has_its_a4_pdf_with_the_reports_text(printed):
    reports = sorted(printed.published.glob("2024-06/rapports/*.html"))
    assert reports
    assert sorted(printed.published.glob("*/rapports/*.pdf")) == [
        path.with_suffix(".pdf") for path in reports]  # May, not run again, has none
    region = printed.published / "2024-06" / "rapports" / "region-11.pdf"
    info = poppler("pdfinfo", str(region))
    assert re.search(r"Page size:\s+59\d(\.\d+)? x 84\d(\.\d+)? pts \(A4\)", info)
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 4  # a section per page
    text = poppler("pdftotext", "-layout", str(region), "-")
    for words in ("Région", "(11)", "juin 2024", "L'essentiel", "Tous les indicateurs",
                  "Secret statistique", "intervalle à 95 %"):
        assert words in text, words
    # The first page holds the headline, the last the definitions.
    first, *_, last = text.split("\f")[:-1]
    assert "L'essentiel" in first and "Tous les indicateurs" not in first
    assert "page" in last and "Produit par réseau" in text


def test_pdf_reports_is_a_boolean(tmp_path):
    (tmp_path / "reseau.toml").write_text('pdf_reports = "oui"\n', encoding="utf-8")
    with pytest.raises(HomeError, match="pdf_reports = 'oui' is neither true nor false"):
        Home.open(tmp_path)


def test_a_browser_that_cannot_start_fails_the_reports_and_the_printer_still_closes(tmp_path):
    reports = [tmp_path / "a.html", tmp_path / "b.html"]
    for report in reports:
        report.write_text("<p>rapport</p>", encoding="utf-8")
    with pdf_printer(str(tmp_path / "no-chromium"), browsers=2) as printer:
        for future in printer.submit(reports):
            with pytest.raises(Exception, match="no-chromium"):
                future.result(timeout=120)
    assert not list(tmp_path.glob("*.pdf"))


def test_the_printer_prints_in_the_background_each_report_to_its_pdf(tmp_path):
    from pipelines.publish.pdf import chromium_path

    reports = [tmp_path / f"{name}.html" for name in "abc"]
    for report in reports:
        report.write_text(f"<h1>Rapport {report.stem}</h1>", encoding="utf-8")
    with pdf_printer(chromium_path(), browsers=2) as printer:
        printed = [future.result(timeout=120) for future in printer.submit(reports)]
    assert printed == [report.with_suffix(".pdf") for report in reports]
    for report in reports:
        assert f"Rapport {report.stem}" in poppler("pdftotext", str(report.with_suffix(".pdf")),
                                                   "-")
