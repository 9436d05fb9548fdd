"""Errors a user can cause end with one clear line and exit code 2."""

import pytest

from pipelines.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().err.strip().splitlines()


def test_missing_home(capsys, tmp_path):
    code, lines = run(capsys, "run", "--home", str(tmp_path / "nowhere"))
    assert code == 2
    assert lines == [f"reseau: error: home folder {tmp_path / 'nowhere'} does not exist: "
                     f"set one up with `reseau init --home {tmp_path / 'nowhere'}`, or point "
                     "--home at an existing home"]


@pytest.mark.parametrize("command", ["run", "generate", "init"])
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
    assert "reseau init" in lines[0]


def test_init_lays_out_a_home_ready_for_deliveries_and_never_overwrites(capsys, tmp_path):
    from pipelines.ingest.profiles import load_profile
    from reseau.home import Home

    root = tmp_path / "observatoire"
    assert main(["init", "--home", str(root)]) == 0
    printed = capsys.readouterr().out
    assert "reseau run --home" in printed
    for folder in ("landing/referrals", "landing/supports", "sources", "reference/territories"):
        assert (root / folder).is_dir()
    # The real COG, whole, as the pipeline reads it; settings that open; a valid example.
    assert sorted(p.name for p in (root / "reference" / "territories").iterdir()) == [
        "v_commune_2026.csv", "v_departement_2026.csv", "v_region_2026.csv"]
    assert Home.open(root).min_cell == 11
    example = root / "sources" / "ccas.yml"
    example.write_text((root / "sources" / "exemple.yml.modele").read_text("utf-8"), "utf-8")
    assert load_profile(example).for_kind("referrals").constants == {
        "origin_service_id": "$exporter"}
    (root / "reseau.toml").write_text("min_cell = 5\n", encoding="utf-8")
    assert main(["init", "--home", str(root)]) == 0
    assert "nothing to create" in capsys.readouterr().out
    assert Home.open(root).min_cell == 5
    # Without a directory yet, a run says what is missing and where to read about it.
    code, lines = run(capsys, "run", "--home", str(root))
    assert code == 2 and len(lines) == 1 and "reseau init" in lines[0]


def test_help_speaks_to_users(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "reseau init" in text and "reseau prepare" in text
    assert ".md" not in text


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
