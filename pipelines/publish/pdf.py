"""PDF copies of the reports, printed by headless Chromium: reports circulate by e-mail and
are printed for boards.

``rapports/<level>-<code>.pdf`` beside each HTML report: A4, the report's print styles (a
section per page, cards and figures never cut), backgrounds kept so that hatching and map
colours print. One browser prints every report of a run. Chromium is Debian's ``chromium``
(or ``$CHROMIUM``); without it the PDFs are not printed, and the run says so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["chromium_path", "pdf_printer"]

#: A machine with no network: without the background flags Chromium keeps trying to reach
#: Google's hosts.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MARGIN = {"top": "12mm", "bottom": "14mm", "left": "12mm", "right": "12mm"}
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#444">'
          '<span class="title"></span> · page <span class="pageNumber"></span> / '
          '<span class="totalPages"></span></div>')


def chromium_path() -> str | None:
    """``$CHROMIUM``, else the first Chromium on the ``PATH``; ``None`` when there is none."""
    if found := os.environ.get("CHROMIUM"):
        return found
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


@contextmanager
def pdf_printer(chromium: str) -> Iterator[Callable[[Sequence[Path]], list[Path]]]:
    """One headless Chromium for a whole run: yields a function that prints each HTML report
    it is given to the PDF beside it and returns the PDFs' paths."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            page = browser.new_page()

            def print_pdfs(reports: Sequence[Path]) -> list[Path]:
                written = []
                for report in reports:
                    page.goto(report.resolve().as_uri(), wait_until="load")
                    target = report.with_suffix(".pdf")
                    page.pdf(path=target, format="A4", print_background=True, margin=MARGIN,
                             display_header_footer=True, header_template="<span></span>",
                             footer_template=FOOTER)
                    written.append(target)
                return written

            yield print_pdfs
        finally:
            browser.close()
