"""Errors a user can cause end with one clear line and exit code 2."""

import pytest

from reseau.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().err.strip().splitlines()


def test_missing_home(capsys, tmp_path):
    code, lines = run(capsys, "run", "--home", str(tmp_path / "nowhere"))
    assert code == 2
    assert lines == [f"reseau: error: home folder {tmp_path / 'nowhere'} does not exist: "
                     f"create it with `reseau generate --home {tmp_path / 'nowhere'}` or point "
                     "--home at an existing home"]


@pytest.mark.parametrize("command", ["run", "generate"])
def test_no_home_at_all(capsys, monkeypatch, command):
    monkeypatch.delenv("RESEAU_HOME", raising=False)
    code, lines = run(capsys, command)
    assert code == 2 and lines == ["reseau: error: no home folder given: pass --home DIR or "
                                   "set RESEAU_HOME"]


def test_bad_month(capsys, tiny_home):
    code, lines = run(capsys, "run", "--home", str(tiny_home.root), "--month", "2024-13")
    assert code == 2 and lines == ["reseau: error: bad month '2024-13': write months as "
                                   "YYYY-MM, e.g. 2026-10"]


def test_missing_key(capsys, tiny_home, monkeypatch):
    monkeypatch.delenv("RESEAU_PSEUDONYM_KEY")
    code, lines = run(capsys, "run", "--home", str(tiny_home.root))
    assert code == 2 and len(lines) == 1 and "RESEAU_PSEUDONYM_KEY is not set" in lines[0]


def test_missing_directory(capsys, tiny_home):
    (tiny_home.reference / "services.csv").unlink()
    code, lines = run(capsys, "run", "--home", str(tiny_home.root))
    assert code == 2 and len(lines) == 1 and "services.csv is missing" in lines[0]


def test_usage_errors_exit_with_two():
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_generate_refuses_a_home_with_exports(capsys, tiny_home):
    code, lines = run(capsys, "generate", "--home", str(tiny_home.root))
    assert code == 2 and len(lines) == 1 and "already holds files" in lines[0]


def test_a_wrong_mapping_profile_stops_the_run_before_any_work(capsys, tiny_home):
    (tiny_home.root / "sources").mkdir()
    (tiny_home.root / "sources" / "S1.yml").write_text("statuses: {admis: Admis}\n", "utf-8")
    code, lines = run(capsys, "run", "--home", str(tiny_home.root))
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("reseau: error: sources/S1.yml: statuses: admis not a contract "
                               "status")
    assert not tiny_home.warehouse.exists()


def test_generate_refuses_an_unknown_format(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--home", str(tmp_path / "h"), "--formats", "odt"])
    assert exit_info.value.code == 2
