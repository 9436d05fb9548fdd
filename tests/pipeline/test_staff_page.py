"""The staff page on deliveries rendered from hand-made rows of marts.deliveries: what it
says, and that it opens in headless Chromium with no request and no error."""

from datetime import date, datetime

import polars as pl

from pipelines.publish import deliveries as staff_page
from tests.browser import screenshot_path, watch

MAY = date(2024, 5, 1)


def may_rows() -> pl.DataFrame:
    """A: read but late; B: a refused file only; C: on time (supports); D: delivered April,
    nothing for May; all seen on 10 June."""
    return pl.DataFrame({
        "exporter_id": ["A", "B", "C", "D"],
        "kind": ["referrals", "referrals", "supports", "referrals"],
        "series": ["default"] * 4, "month": [MAY, MAY, MAY, date(2024, 4, 1)],
        "files": [1, 1, 1, 1], "rows_read": [3, 0, 3, 4], "rows_loaded": [3, 0, 3, 4],
        "rows_quarantined": [0, 0, 0, 0], "files_refused": [0, 1, 0, 0],
        "delivered_at": [datetime(2024, 6, 9)] * 3 + [datetime(2024, 5, 2)],
        "on_time": [False, False, True, True], "missing": [False] * 4,
        "rows_merged": [0] * 4, "rows_superseded": [0] * 4,
    })


def test_the_page_lists_late_refused_and_missing_series_in_french():
    html = staff_page.render(may_rows(), date(2024, 6, 10))
    assert ("3 séries d'exports sur 4 attendues pour mai 2024 n'ont pas été livrées à temps "
            "(échéance : 5 juin 2024)") in html
    late = html[html.index('id="non-livres"'):html.index('id="quarantaine"')]
    assert [line[8:9] for line in late.splitlines() if line.startswith("<tr><td>")] == [
        "A", "B", "D"]
    assert "livré en retard" in late and "fichier refusé ou illisible" in late
    assert "non livré" in late
    assert "09/06/2024 02:00" in late  # delivered_at is UTC, shown in Paris time
    assert "Aucune hausse du taux de quarantaine." in html


def test_everyone_on_time_and_nobody_expected_say_so():
    on_time = may_rows().filter(pl.col("exporter_id") == "C")
    assert "ont toutes été livrées à temps" in staff_page.render(on_time, date(2024, 6, 10))
    assert "Aucun export n'est attendu" in staff_page.render(on_time, date(2024, 5, 10))


def test_the_page_opens_from_the_file_system_in_chromium(tmp_path, browser):
    path = staff_page.write_page(tmp_path / "suivi" / "livraisons.html",
                                 staff_page.render(may_rows(), date(2024, 6, 10)))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watched = watch(page)
    page.goto(path.as_uri(), wait_until="load")
    page.screenshot(path=screenshot_path("staff-deliveries"), full_page=True)
    assert watched.errors == [] and watched.requests == [path.as_uri()]
    assert page.locator("h1").inner_text() == "Suivi des livraisons"
    assert page.locator("#non-livres tbody tr").count() == 3
    page.close()
