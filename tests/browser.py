"""Headless Chromium for the browser tests: Debian's ``chromium``, driven by Playwright.

`make test` installs the package (never a downloaded browser). Screenshots go to
``test-artifacts/screenshots/`` at the repository root (``$RESEAU_TEST_ARTIFACTS`` to move
them), so a CI run keeps them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.publish import pdf

#: What Chromium says of a request it cancelled itself, as when the page navigates away
#: while the Dagster UI's live queries are still polling: no error of the page.
ABORTED = "net::ERR_ABORTED"
ARTIFACTS = Path(os.environ.get("RESEAU_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[1] / "test-artifacts"))


def chromium_path() -> str:
    found = pdf.chromium_path()
    if not found:
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium "
                    "package (or set CHROMIUM to a Chromium binary)")
    return found


def screenshot_path(name: str) -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


@dataclass
class Watched:
    """What went wrong on a page: console errors, uncaught exceptions, and its requests."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def watch(page) -> Watched:
    watched = Watched()
    page.on("console", lambda message: message.type == "error"
            and watched.errors.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: request.failure != ABORTED
            and watched.errors.append(f"request failed: {request.url} {request.failure}"))
    page.on("request", lambda request: watched.requests.append(request.url))
    return watched


#: axe-core, fetched from the npm registry by `make test` (Makefile, AXE_VERSION).
AXE = sorted(ARTIFACTS.glob("axe-core-*/axe.min.js"))
#: The rules of WCAG 2.1 A and AA, which RGAA 4 follows.
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(browser, url: str) -> list[str]:
    """What axe-core finds against WCAG 2.1 AA on the page at ``url``: one line per rule
    broken, with the first elements that break it. The page is opened with its
    Content-Security-Policy bypassed, since axe is a script and the reports forbid any."""
    if not AXE:
        pytest.fail("axe-core is missing: `make test` fetches it from the npm registry "
                    f"into {ARTIFACTS}/axe-core-<version>/")
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.add_script_tag(path=str(AXE[-1]))
        result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag',
            values: tags}}).then(r => r.violations.map(v => v.id + ' (' + v.impact + '): '
            + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))""",
                               WCAG21_AA)
    finally:
        context.close()
    return result
