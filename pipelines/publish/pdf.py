"""PDF copies of the reports, printed by headless Chromium: reports circulate by e-mail and
are printed for boards.

``rapports/<level>-<code>.pdf`` beside each HTML report: A4, the report's print styles (a
section per page, cards and figures never cut), backgrounds kept so that hatching and map
colours print. The same browsers print every report of a run, in the background while the
next reports render. Chromium is Debian's ``chromium`` (or ``$CHROMIUM``); without it the
PDFs are not printed, and the run says so.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Printer", "chromium_path", "pdf_printer"]

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


class Printer:
    """Headless Chromium browsers printing reports in the background: :meth:`submit` returns
    at once, so that the next reports render while these print. Each browser runs in its own
    thread (Playwright's synchronous API belongs to the thread that started it). Chromium's
    printing already uses both cores: the gain is the overlap with rendering
    (``docs/decisions.md``, "PDF")."""

    def __init__(self, chromium: str, browsers: int):
        self._queue: queue.Queue[tuple[Path, Future] | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._work, args=(chromium,), daemon=True,
                                          name=f"pdf-printer-{number}")
                         for number in range(1, browsers + 1)]
        for thread in self._threads:
            thread.start()

    def submit(self, reports: Sequence[Path]) -> list[Future]:
        """Print each HTML report to the PDF beside it; each future gives its PDF's path."""
        futures = []
        for report in reports:
            future: Future = Future()
            self._queue.put((report, future))
            futures.append(future)
        return futures

    def close(self) -> None:
        """Cancel what is not printed yet, and stop the browsers."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[1].cancel()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self, chromium: str) -> None:
        from playwright.sync_api import sync_playwright

        stopped = False
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
                try:
                    stopped = self._serve(browser.new_page())
                finally:
                    browser.close()
        except BaseException as problem:  # no browser: every report waiting fails with this
            while not stopped and (item := self._queue.get()) is not None:
                if item[1].set_running_or_notify_cancel():
                    item[1].set_exception(problem)

    def _serve(self, page) -> bool:
        """Print what comes until told to stop (then True); a report that fails to print
        fails its own future."""
        while (item := self._queue.get()) is not None:
            report, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(_print(page, report))
                except BaseException as problem:  # the caller sees it
                    future.set_exception(problem)
        return True


def _print(page, report: Path) -> Path:
    page.goto(report.resolve().as_uri(), wait_until="load")
    target = report.with_suffix(".pdf")
    page.pdf(path=target, format="A4", print_background=True, margin=MARGIN,
             display_header_footer=True, header_template="<span></span>",
             footer_template=FOOTER)
    return target


@contextmanager
def pdf_printer(chromium: str, browsers: int = 2) -> Iterator[Printer]:
    """Headless Chromium for a whole run (``browsers`` printing at once): see
    :class:`Printer`."""
    printer = Printer(chromium, browsers)
    try:
        yield printer
    finally:
        printer.close()
