import itertools
import os
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.ingest import landing
from pipelines.ingest.landing import ingest_landing
from pipelines.ingest.months import months_to_run
from pipelines.ingest.pseudonyms import install_rekey_macro, rekey


def connect(home):
    home.ensure_dirs()
    con = duckdb.connect(str(home.warehouse))
    install_rekey_macro(con, b"key")
    return con


def _rows_of_a_first_ingest(home) -> list[tuple]:
    """The referral rows one ingest of ``home`` loads; its warehouse then removed."""
    whole = connect(home)
    ingest_landing(whole, home)
    rows = whole.execute("select * from raw.referral_rows order by all").fetchall()
    whole.close()
    home.warehouse.unlink()
    return rows


def test_rows_keep_file_and_row_number_and_pseudonyms_are_rekeyed(tiny_home):
    con = connect(tiny_home)
    outcomes = ingest_landing(con, tiny_home)
    assert sorted(o.status for o in outcomes) == ["loaded"] * 5
    rows = con.execute(
        "select row_number, person_id, professional_id from raw.referral_rows "
        "where file = 'landing/referrals/S1/S1_2024-05.csv' order by row_number").fetchall()
    assert [row[0] for row in rows] == list(range(1, 9))
    assert rows[0][1:] == (rekey(b"key", "P1"), rekey(b"key", "PRO1"))
    # No exporter pseudonym anywhere in the warehouse.
    assert con.execute("select count(*) from raw.referral_rows where person_id = 'P1'"
                       ).fetchone()[0] == 0


def test_a_second_ingestion_of_the_same_bytes_is_a_no_op(tiny_home):
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    assert ingest_landing(con, tiny_home) == []
    assert con.execute("select count(*) from raw.referral_rows").fetchone()[0] == 13


def _count_hashes(monkeypatch) -> list:
    hashed = []
    real = landing._sha256

    def counted(path):
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(landing, "_sha256", counted)
    return hashed


def test_files_unchanged_since_the_last_run_are_not_hashed_again(tiny_home, monkeypatch):
    hashed = _count_hashes(monkeypatch)
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    assert len(hashed) == 5
    assert ingest_landing(con, tiny_home) == [] and len(hashed) == 5
    # Changed bytes (a new modification time), and the same bytes put back by a rename (a
    # new inode): both hashed again; only the changed one is a new delivery.
    changed = tiny_home.landing / "referrals" / "S3" / "S3_2024-05.csv"
    changed.write_text(changed.read_text(encoding="utf-8").replace("2024-05-1", "2024-05-2"),
                       encoding="utf-8")
    os.utime(changed, ns=(1, 10**18))
    moved = tiny_home.landing / "referrals" / "S1" / "S1_2024-05.csv"
    copy = moved.with_name("copy")
    copy.write_bytes(moved.read_bytes())
    os.utime(copy, ns=(moved.stat().st_atime_ns, moved.stat().st_mtime_ns))
    copy.replace(moved)
    hashed.clear()
    outcomes = ingest_landing(con, tiny_home)
    assert sorted(hashed) == ["S1_2024-05.csv", "S3_2024-05.csv"]
    assert [outcome.file for outcome in outcomes] == [
        "landing/referrals/S3/S3_2024-05.csv @" + landing._sha256(changed)[:12]]


def test_a_damaged_record_of_digests_only_means_hashing_again(tiny_home, monkeypatch):
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    (tiny_home.state / landing._Digests.FILE).write_bytes(b"not parquet")
    hashed = _count_hashes(monkeypatch)
    assert ingest_landing(con, tiny_home) == [] and len(hashed) == 5
    hashed.clear()
    assert ingest_landing(con, tiny_home) == [] and hashed == []  # written whole again


def test_an_unreadable_file_is_moved_aside_whole_with_its_error(tiny_home):
    bad = tiny_home.landing / "referrals" / "S3" / "broken.csv"
    bad.write_text("referral_id,needs\nx,y\n", encoding="utf-8")
    con = connect(tiny_home)
    outcomes = {o.file: o for o in ingest_landing(con, tiny_home)}
    outcome = outcomes["landing/referrals/S3/broken.csv"]
    assert outcome.status == "rejected"
    assert "missing required column(s) referral_date" in outcome.error
    assert not bad.exists()
    moved = tiny_home.rejected / "referrals" / "S3" / "broken.csv"
    assert moved.read_text(encoding="utf-8") == "referral_id,needs\nx,y\n"
    assert "broken.csv" in (moved.parent / "broken.csv.error.txt").read_text(encoding="utf-8")
    # The other files still loaded.
    assert sum(o.status == "loaded" for o in outcomes.values()) == 5


def test_an_export_saved_again_under_its_name_is_a_second_delivery(tiny_home):
    path = tiny_home.landing / "referrals" / "S3" / "S3_2024-05.csv"
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    first = path.read_text(encoding="utf-8")
    path.write_text(first + first.splitlines()[1] + "\n", encoding="utf-8")  # a row more
    outcomes = ingest_landing(con, tiny_home)
    assert [(o.status, o.file.split(" @")[0]) for o in outcomes] == [
        ("loaded", "landing/referrals/S3/S3_2024-05.csv")]
    files = con.execute("select file from raw.files where file like '%S3_2024-05%' "
                        "order by ingested_at").fetchall()
    assert len(files) == 2 and files[1][0].startswith(files[0][0] + " @")
    assert con.execute("select count(distinct file) from raw.referral_rows "
                       "where file like '%S3_2024-05%'").fetchone()[0] == 2


def test_a_rejected_file_put_back_is_read_again(tiny_home):
    bad = tiny_home.landing / "referrals" / "S3" / "late.csv"
    text = "referral_id,needs\nx,y\n"
    bad.write_text(text, encoding="utf-8")
    con = connect(tiny_home)
    first = {o.file: o.status for o in ingest_landing(con, tiny_home)}
    assert first["landing/referrals/S3/late.csv"] == "rejected"
    for attempt in range(2):  # put back as it was: rejected again, never skipped
        bad.write_text(text, encoding="utf-8")
        [outcome] = ingest_landing(con, tiny_home)
        assert outcome.status == "rejected" and outcome.file.startswith(
            "landing/referrals/S3/late.csv @")


def test_the_same_bytes_from_two_exporters_are_two_deliveries(tiny_home):
    # A constant ($exporter) can make the same bytes mean different data for two services.
    source = tiny_home.landing / "referrals" / "S3" / "S3_2024-05.csv"
    copy = tiny_home.landing / "referrals" / "S1" / "S3_2024-05.csv"
    copy.write_bytes(source.read_bytes())
    con = connect(tiny_home)
    files = {o.file for o in ingest_landing(con, tiny_home)}
    assert {"landing/referrals/S3/S3_2024-05.csv", "landing/referrals/S1/S3_2024-05.csv"} <= files


def test_rows_inserted_by_batches_are_every_row_read_once(tiny_home, monkeypatch):
    expected = _rows_of_a_first_ingest(tiny_home)
    monkeypatch.setattr("pipelines.ingest.landing._INSERT_ROWS", 3)  # a batch every file
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    assert con.execute("select * from raw.referral_rows order by all").fetchall() == expected


def _count_reads(monkeypatch) -> list:
    reads = []
    real = landing.read_delivery

    def counted(path, *args):
        reads.append(path)
        return real(path, *args)

    monkeypatch.setattr(landing, "read_delivery", counted)
    return reads


def test_reading_ahead_reports_each_file_read(tiny_home):
    calls = []
    months_to_run(tiny_home, lambda done, total: calls.append((done, total)))
    assert calls == [(done, 5) for done in range(6)]
    landing.forget_read_ahead()


def test_files_read_ahead_for_their_months_are_not_read_again_by_the_ingest(
        tiny_home, monkeypatch):
    reads = _count_reads(monkeypatch)
    assert months_to_run(tiny_home) == ["2024-05-01", "2024-06-01"]
    ingest_landing(connect(tiny_home), tiny_home)
    assert len(reads) == len(set(reads)) == 5


def _spilled() -> int:
    """How many files' rows read ahead wait on disk."""
    return sum(isinstance(result, landing._Spilled)
               for result, _ in landing._READ_AHEAD._kept.values())


def test_past_a_quarter_of_the_memory_limit_files_wait_on_disk_with_the_same_rows(
        tiny_home, monkeypatch):
    expected = _rows_of_a_first_ingest(tiny_home)
    # Room for one or two of the tiny home's files (70 to 580 bytes of rows each), by the
    # estimate of their rows alone (the resident memory does not grow).
    monkeypatch.setattr(type(tiny_home), "memory_bytes", lambda home: 4 * 200)
    monkeypatch.setattr(landing, "_resident_bytes", lambda: 50_000_000)
    reads = _count_reads(monkeypatch)
    months_to_run(tiny_home)
    spill = Path(tiny_home.duckdb_config()["temp_directory"]) / "read-ahead"
    assert 1 <= 5 - _spilled() < 5 and any(spill.iterdir())  # the others' rows wait on disk
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    assert len(reads) == 5  # none read twice
    assert con.execute("select * from raw.referral_rows order by all").fetchall() == expected
    assert not landing._READ_AHEAD._kept and not spill.exists()


def test_rows_read_ahead_and_not_taken_leave_nothing_on_disk(tiny_home, monkeypatch):
    monkeypatch.setattr(type(tiny_home), "memory_bytes", lambda home: 0)  # everything spills
    months_to_run(tiny_home)
    spill = Path(tiny_home.duckdb_config()["temp_directory"]) / "read-ahead"
    assert _spilled() == 5 and any(spill.iterdir())
    landing.forget_read_ahead()  # as `reseau run` does after a run that did not ingest
    assert not spill.exists() and not landing._READ_AHEAD._kept


def test_rows_that_cannot_be_read_back_from_disk_are_read_from_their_export_again(
        tiny_home, monkeypatch):
    expected = _rows_of_a_first_ingest(tiny_home)
    monkeypatch.setattr(type(tiny_home), "memory_bytes", lambda home: 0)  # everything spills
    reads = _count_reads(monkeypatch)
    months_to_run(tiny_home)
    spill = Path(tiny_home.duckdb_config()["temp_directory"]) / "read-ahead"
    for written in spill.iterdir():  # damaged on disk before the ingest reads them back
        os.truncate(written, 0)
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    assert len(reads) == 5 + 5
    assert con.execute("select * from raw.referral_rows order by all").fetchall() == expected


def test_a_folder_of_rows_left_by_a_killed_run_is_emptied_by_the_next_one(
        tiny_home, monkeypatch):
    spill = Path(tiny_home.duckdb_config()["temp_directory"]) / "read-ahead"
    spill.mkdir()
    (spill / "0.arrow").write_bytes(b"left by a process killed before its ingest")
    monkeypatch.setattr(type(tiny_home), "memory_bytes", lambda home: 0)
    months_to_run(tiny_home)
    con = connect(tiny_home)
    ingest_landing(con, tiny_home)
    assert con.execute("select count(*) from raw.files where status = 'loaded'"
                       ).fetchone()[0] == 5
    assert not spill.exists()


def test_files_wait_on_disk_once_the_process_has_grown_by_a_quarter_of_the_memory_limit(
        tiny_home, monkeypatch):
    # The estimate of the rows (a few hundred bytes a file) is far below a quarter of 100 kB;
    # the resident memory, as /proc would say it, grows by 10 kB with each file read.
    monkeypatch.setattr(type(tiny_home), "memory_bytes", lambda home: 100_000)
    landing._READ_AHEAD.clear()
    resident = itertools.count(50_000_000, 10_000)
    monkeypatch.setattr(landing, "_resident_bytes", lambda: next(resident))
    reads = _count_reads(monkeypatch)
    months_to_run(tiny_home)
    # Grown by 0, 10, 20 kB: kept in memory; by 30 and 40 kB: past the 25 kB budget, on disk.
    assert _spilled() == 2
    ingest_landing(connect(tiny_home), tiny_home)
    assert len(reads) == 5


def test_files_are_read_in_order_with_only_a_few_ahead_of_the_one_taken():
    started = []

    def work(item):
        started.append(item)
        return item * 2

    workers = os.cpu_count() or 1
    results = landing._in_order(work, list(range(100)))
    assert next(results) == 0
    assert len(started) <= 2 * workers + 1
    assert list(results) == [2 * item for item in range(1, 100)]


def test_rows_put_on_disk_after_a_failed_write_are_read_back_as_they_were(
        tmp_path, monkeypatch):
    real = pa.ipc.new_file
    writes = itertools.count()

    class FullDisk:  # the fifth batch written fails: the second of frames[2], after its first
        def __init__(self, *args):
            self.writer = real(*args)

        def write_batch(self, batch):
            if next(writes) == 4:
                raise OSError("No space left on device")
            self.writer.write_batch(batch)

        def close(self):
            self.writer.close()

    monkeypatch.setattr(pa.ipc, "new_file", FullDisk)
    frames = [pl.DataFrame({"a": [f"{n}a", f"{n}b"]}) for n in range(4)]
    frames[1] = pl.concat([frames[1].head(1), frames[1].tail(1)], rechunk=False)  # 2 batches
    frames[2] = pl.concat([frames[2].head(1), frames[2].tail(1)], rechunk=False)
    spill = landing._Spill(tmp_path / "read-ahead")
    where = [spill.put(frame) for frame in frames]
    assert where[2] is None  # its second batch failed: read from its export again
    for frame, put in zip(frames, where, strict=True):
        if put is not None:
            assert spill.get(*put).equals(frame)
    spill.close()
    assert not (tmp_path / "read-ahead").exists()
