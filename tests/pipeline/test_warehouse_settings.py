"""``[warehouse]`` in reseau.toml: DuckDB's memory limit and spill folder, for the run's own
connections and for dbt's alike."""

import os
import tomllib

import duckdb
import pytest
import yaml

from pipelines.cli.init_home import SETTINGS
from pipelines.orchestration.dbt_invocation import write_dbt_profile
from pipelines.orchestration.resources import HomeResource
from reseau.errors import HomeError
from reseau.home import Home

#: Sorting 20 million rows takes about 320 MB: over a limit of 64 MB, it spills.
SPILLING = ("select count(*), sum(i) from (select i, hash(i) as h from range(20000000) t(i) "
            "order by h)")


def home_with(tmp_path, text: str) -> Home:
    (tmp_path / "reseau.toml").write_text(text, encoding="utf-8")
    return Home.open(tmp_path)


def test_by_default_half_the_machine_and_a_spill_folder_in_the_home(tmp_path):
    config = Home.open(tmp_path).duckdb_config()
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert config == {"memory_limit": f"{total // 2 // 2**20}MiB",
                      "temp_directory": str(tmp_path.resolve() / ".reseau" / "spill")}


def test_the_run_and_dbt_open_the_warehouse_with_the_settings(tmp_path):
    home = home_with(tmp_path, '[warehouse]\nmemory_limit = "300MB"\n'
                               'temp_directory = "spill-here"\n')
    with HomeResource(path=str(tmp_path)).connect() as con:
        limit, spill = con.execute("select current_setting('memory_limit'), "
                                   "current_setting('temp_directory')").fetchone()
    assert limit == "286.1 MiB"  # DuckDB shows 300 MB (10^6 bytes) in MiB
    assert spill == str(tmp_path.resolve() / "spill-here")
    profile = (write_dbt_profile(home) / "profiles.yml").read_text(encoding="utf-8")
    assert '      config_options:\n        memory_limit: "300MB"\n' in profile
    assert f'        temp_directory: "{tmp_path.resolve() / "spill-here"}"\n' in profile


def test_work_past_the_limit_spills_instead_of_failing(tmp_path):
    home = home_with(tmp_path, '[warehouse]\nmemory_limit = "64MB"\n')
    # Without a spill folder, DuckDB fails; with the home's, it finishes.
    query = SPILLING
    config = {**home.duckdb_config(), "threads": 1, "preserve_insertion_order": False}
    with duckdb.connect(str(tmp_path / "a.duckdb"), config={**config, "temp_directory": ""}) \
            as con, pytest.raises(duckdb.OutOfMemoryException):
        con.execute(query).fetchone()
    with duckdb.connect(str(tmp_path / "b.duckdb"), config=config) as con:
        assert con.execute(query).fetchone() == (20_000_000, 20_000_000 * 19_999_999 // 2)


@pytest.mark.parametrize(("text", "expected"), [
    ('memory_limit = "lots"', 'memory_limit = \'lots\' is not valid (e.g. memory_limit = "8GB")'),
    ("memory_limit = 8", "memory_limit = 8 is not valid"),
    ('temp_directory = " "', "temp_directory = ' ' is not valid"),
    ('threads = 4', "threads is not a setting (known: memory_limit, temp_directory)"),
])
def test_each_mistake_stops_the_home_with_one_line(tmp_path, text, expected):
    with pytest.raises(HomeError) as raised:
        home_with(tmp_path, f"[warehouse]\n{text}\n")
    assert str(raised.value).startswith(f"{tmp_path.resolve() / 'reseau.toml'}: [warehouse] "
                                        f"{expected}")


def test_the_commented_example_of_a_new_home_is_valid_once_uncommented(tmp_path):
    lines = SETTINGS.split("# [warehouse]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    table = tomllib.loads("\n".join(line[2:] for line in lines))
    assert set(table) == {"memory_limit", "temp_directory"}
    home_with(tmp_path, "[warehouse]\n" + "\n".join(line[2:] for line in lines) + "\n")


def test_dbt_opens_each_node_s_cursor_after_the_warehouse_spilled(tmp_path):
    # dbt-duckdb's own path: the database opened once, then a cursor per node. Settings
    # set again on a later cursor once DuckDB has spilled fail ("Cannot switch temporary
    # directory after the current one has been used"): a build that spilled failed there.
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.adapters.duckdb.environments import Environment

    home = home_with(tmp_path, '[warehouse]\nmemory_limit = "64MB"\n')
    home.ensure_dirs()
    profile = yaml.safe_load((write_dbt_profile(home) / "profiles.yml").read_text("utf-8"))
    output = profile["reseau"]["outputs"]["home"]
    credentials = DuckDBCredentials(
        database="reseau", schema="main", path=output["path"],
        settings=output.get("settings"), config_options=output.get("config_options"))
    connection = Environment.initialize_db(credentials)
    try:
        first = Environment.initialize_cursor(credentials, connection.cursor())
        first.execute("set threads = 1")
        first.execute("set preserve_insertion_order = false")
        assert first.execute(SPILLING).fetchone() == (20_000_000, 20_000_000 * 19_999_999 // 2)
        later = Environment.initialize_cursor(credentials, connection.cursor())
        assert later.execute("select current_setting('memory_limit')").fetchone() == (
            "61.0 MiB",)
    finally:
        connection.close()


@pytest.mark.parametrize("limit, expected", [
    ("8GB", 8_000_000_000), ("512MiB", 512 * 2**20), (" 1.5 GiB ", 3 * 2**29),
    ("100kb", 100_000),
])
def test_the_memory_limit_in_bytes_reads_sizes_as_duckdb_writes_them(limit, expected):
    from reseau.settings import Warehouse

    assert Warehouse(memory_limit=limit).memory_bytes() == expected
