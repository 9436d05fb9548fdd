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
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["chromium_path", "print_pdfs"]

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


def print_pdfs(reports: Sequence[Path], chromium: str,
               progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Print each HTML report to the PDF beside it; return the PDFs' paths."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            page = browser.new_page()
            for number, report in enumerate(reports, 1):
                page.goto(report.resolve().as_uri(), wait_until="load")
                target = report.with_suffix(".pdf")
                page.pdf(path=target, format="A4", print_background=True, margin=MARGIN,
                         display_header_footer=True, header_template="<span></span>",
                         footer_template=FOOTER)
                written.append(target)
                if progress:
                    progress(number, len(reports))
        finally:
            browser.close()
    return written
