"""A month's folder is replaced in one rename, keeping the other asset's files."""

from pipelines.publish import folders
from pipelines.publish.folders import publish_folder, staging_folder


def _write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _read(folder):
    return {path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_new_files_replace_the_assets_own_and_keep_the_others(tmp_path, monkeypatch):
    for exchange in (True, False):  # with renameat2, and with the two-rename fallback
        if not exchange:
            monkeypatch.setattr(folders, "_exchange", lambda first, second: False)
        published = tmp_path / str(exchange)
        month = published / "2024-06"
        _write(month, {"indicators.parquet": "old", "indicateurs_region.csv": "old",
                       "indicateurs_epci.csv": "a level no longer published",
                       "rapports/region-84.html": "report"})
        staged = staging_folder(published, "funder_files") / "2024-06"
        _write(staged, {"indicators.parquet": "new", "indicateurs_region.csv": "new"})
        publish_folder(staged, month, owns=lambda name: name.startswith("indicat"))
        assert _read(month) == {"indicators.parquet": "new", "indicateurs_region.csv": "new",
                                "rapports/region-84.html": "report"}
        assert not staged.exists() and not staged.with_name("2024-06.old").exists()


def test_a_first_month_is_renamed_into_place(tmp_path):
    staged = staging_folder(tmp_path, "reports") / "2024-05"
    _write(staged, {"rapports/departement-01.html": "report"})
    publish_folder(staged, tmp_path / "2024-05", owns=lambda name: name == "rapports")
    assert _read(tmp_path / "2024-05") == {"rapports/departement-01.html": "report"}
