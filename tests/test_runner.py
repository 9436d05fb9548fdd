import pytest

from pipelines.cli.runner import READ_QUIETLY, _reading_progress, parse_month
from pipelines.orchestration.partitions import month_span
from reseau.errors import HomeError
from reseau.home import Home


def test_parse_month():
    assert parse_month("2026-10") == "2026-10-01"
    with pytest.raises(HomeError, match="YYYY-MM"):
        parse_month("10/2026")


def test_one_run_spans_the_months_and_leaves_out_those_not_over():
    months = ["2025-11-01", "2026-01-01", "2025-12-01", "2099-03-01", "2025-11-01"]
    assert month_span(months) == (("2025-11-01", "2026-01-01"), ["2099-03-01"])
    assert month_span(["2099-03-01"]) == (None, ["2099-03-01"])
    assert month_span([]) == (None, [])


def test_home_settings_come_from_reseau_toml(tmp_path):
    (tmp_path / "reseau.toml").write_text("min_cell = 5\n", encoding="utf-8")
    assert Home.open(tmp_path).min_cell == 5
    assert Home.open(tmp_path / ".." / tmp_path.name).root == tmp_path.resolve()


def test_a_broken_reseau_toml_is_a_clear_error(tmp_path):
    (tmp_path / "reseau.toml").write_text("min_cell = \n", encoding="utf-8")
    with pytest.raises(HomeError, match="reseau.toml is not valid TOML"):
        Home.open(tmp_path)


def test_reading_many_new_files_says_so_at_every_tenth(capsys):
    total = 2 * READ_QUIETLY
    for done in range(total + 1):
        _reading_progress(done, total)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"reseau: reading {total:,} new files to learn their months")
    assert lines[1:] == [f"reseau: {total * tenth // 10:,} of {total:,} new files read"
                         for tenth in range(1, 11)]
    for done in range(6):
        _reading_progress(done, 5)  # a monthly delivery: read in seconds, nothing said
    assert capsys.readouterr().err == ""
