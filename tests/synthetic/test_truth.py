"""ground_truth.json agrees with the files, and the same seed gives the same bytes."""

from __future__ import annotations

import csv
import json
import os

from reseau_synthetic import generate_home


def snapshot(home) -> dict:
    """Every file of a home: bytes and modification time."""
    return {path.relative_to(home).as_posix(): (path.read_bytes(), os.stat(path).st_mtime_ns)
            for path in sorted(home.rglob("*")) if path.is_file()}


def test_same_seed_same_bytes_and_times_other_seed_other_region(small_home, small_params,
                                                               tmp_path):
    again = tmp_path / "again"
    generate_home(again, **small_params)
    assert snapshot(again) == snapshot(small_home)
    other = tmp_path / "other"
    generate_home(other, **{**small_params, "referrals": 10_000, "seed": small_params["seed"] + 1})
    assert (other / "reference" / "services.csv").read_bytes() != \
        (small_home / "reference" / "services.csv").read_bytes()


def test_truth_describes_the_requested_region(truth, small_params):
    keys = {"schema_version", "seed", "requested_referrals", "months", "roles", "territory",
            "counts", "exporters", "support_exporters", "aliases", "neglected",
            "neglected_check", "concentration", "out_of_mission", "key_person_links",
            "dormant_conventions", "family_heavy_supports", "isolated_sector",
            "closed_services", "opened_services", "redelivery"}
    assert keys <= set(truth)
    assert truth["seed"] == small_params["seed"]
    assert len(truth["months"]) == small_params["months"]
    assert truth["months"][-1] == small_params["end_month"]
    planted = [truth["roles"][r] for r in ("concentration", "out_of_mission", "isolation",
                                           "family")]
    planted += sorted({n["departement"] for n in truth["neglected"]})
    assert len(set(planted)) == len(planted)
    json.dumps(truth)  # plain JSON types only


def test_closed_and_opened_services_have_no_referral_outside_their_dates(home_files, truth):
    rows = home_files.delivered_rows("referrals", "referral_date")
    assert len(truth["closed_services"]) >= 2 and truth["opened_services"]
    for service in truth["closed_services"]:
        sid, closed = service["service_id"], service["closed_on"]
        involved = [row for exporter, _, row in rows
                    if sid in (exporter, home_files.resolve(exporter, row["origin_service_id"]),
                               home_files.resolve(exporter, row["target_service_id"]))]
        assert involved and all(row["referral_date"] <= closed for row in involved)
        assert truth["months"][0] < closed < truth["months"][-1]
    for service in truth["opened_services"]:
        sid, opened = service["service_id"], service["opened_on"]
        dates = [r.referral_date for r in home_files.referrals if sid in (r.origin, r.target)]
        assert dates and min(dates) >= opened


def test_redelivery_is_recorded_and_later(small_home, home_files, truth):
    record = truth["redelivery"]
    original, corrected = small_home / record["original_file"], \
        small_home / record["corrected_file"]
    assert os.stat(corrected).st_mtime > os.stat(original).st_mtime
    assert corrected.name == original.name.replace(".csv", "_corrected.csv")

    def rows(path):
        with path.open(encoding="utf-8") as handle:
            return {row["referral_id"]: row for row in csv.DictReader(handle)}

    first, second = rows(original), rows(corrected)
    dropped = set(record["dropped_referral_ids"])
    assert dropped and dropped <= set(first) and not dropped & set(second)
    assert record["corrected_referral_ids"]
    for referral_id in record["corrected_referral_ids"]:
        assert first[referral_id]["status"] == "pending"
        assert second[referral_id]["status"] in ("accepted", "refused")
    valid_ids = {r.person_id for r in home_files.referrals}
    assert not {first[i]["person_id"] for i in dropped} & valid_ids


def test_duplicates_and_counts(home_files, truth):
    counts = truth["counts"]
    assert counts["referrals_seen_twice"] > 0.2 * counts["distinct_valid_referrals"]
    written = sum(1 for path in (home_files.root / "landing" / "referrals").glob("*/*.csv")
                  for _ in path.open(encoding="utf-8")) - counts["referral_files"]
    assert written == counts["referral_rows_written"]
    assert len(truth["exporters"]) == counts["exporters"]
    assert 0.5 < counts["exporters"] / counts["services"] < 0.7
    professionals = [r.professional_id for r in home_files.referrals]
    assert 0.05 < professionals.count(None) / len(professionals) < 0.2
