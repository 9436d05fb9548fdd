"""Every row read is loaded, merged, superseded or quarantined, whatever the mix of good and
bad rows: a property over random deliveries, each checked against the contract's rules."""

import os
import shutil
from collections import Counter, defaultdict

import duckdb
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipelines.cli.runner import run_pipeline
from reseau.home import Home
from tests.conftest import DELIVERY_EPOCH, FIXTURES

HEADER = ["referral_id", "referral_date", "origin_service_id", "target_service_id",
          "person_id", "needs", "status"]
SERVICES = ["S1", "S2", "S3", "S4", "S5"]
#: One fault per bad row, and the start of the reason marts.quarantine gives for it.
FAULTS = {
    "no id": ({"referral_id": ""}, "missing required value: referral_id"),
    "no person": ({"person_id": ""}, "missing required value: person_id"),
    "bad date": ({"referral_date": "2024-02-30"}, "bad date"),
    "unknown service": ({"target_service_id": "S99"}, "unknown service"),
    "unknown need": ({"needs": "pas-un-besoin"}, "unknown need code"),
    "self": ({"target_service_id": None}, "origin = target"),
    "unknown status": ({"status": "peut-etre"}, "unknown status"),
}

rows = st.fixed_dictionaries({
    "origin": st.sampled_from(SERVICES), "target": st.sampled_from(SERVICES),
    "person": st.integers(1, 6), "day": st.integers(1, 3),
    "status": st.sampled_from(["pending", "accepted", "refused", "expired", "cancelled", ""]),
    # No need is no fault: real software exports none (data-contract.md, "Real exports").
    "needs": st.sampled_from(["logement-hebergement", ""]),
    "fault": st.none() | st.sampled_from(sorted(FAULTS)),
}).filter(lambda row: row["origin"] != row["target"])
files = st.lists(st.tuples(st.sampled_from(["S1", "S2"]), st.sampled_from(["05", "06"]),
                           st.lists(rows, min_size=1, max_size=12)), min_size=1, max_size=6)


def write_home(root, deliveries) -> list[tuple]:
    """The home and, per row written, (file, exporter, month, fault, referral key)."""
    (root / "reference").mkdir(parents=True)
    for name in ("services.csv", "service_aliases.csv", "territories"):
        source = FIXTURES / "tiny_home" / "reference" / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, root / "reference" / name)
    written = []
    for index, (exporter, month, lines) in enumerate(deliveries):
        file = f"landing/referrals/{exporter}/delivery_{index:02d}.csv"
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        text = [",".join(HEADER)]
        for number, row in enumerate(lines):
            values = {"referral_id": f"{exporter}-{index}-{number}",
                      "referral_date": f"2024-{month}-0{row['day']}",
                      "origin_service_id": row["origin"], "target_service_id": row["target"],
                      "person_id": f"P{row['person']}", "needs": row["needs"],
                      "status": row["status"]}
            if row["fault"]:
                change = dict(FAULTS[row["fault"]][0])
                if "target_service_id" in change and change["target_service_id"] is None:
                    change["target_service_id"] = row["origin"]
                values.update(change)
            text.append(",".join(values[column] for column in HEADER))
            key = (row["origin"], row["target"], row["person"], row["day"], month)
            written.append((file, exporter, month, row["fault"], key))
        path.write_text("\n".join(text) + "\n", encoding="utf-8")
        os.utime(path, (DELIVERY_EPOCH + index * 60,) * 2)  # delivered in index order
    return written


def expected_outcomes(written):
    """The contract's rules, row by row: a row with no date is quarantined; in a file that
    a later delivery of the same (exporter, month) replaces, superseded; with another fault,
    quarantined; else loaded or merged, one loaded per referral."""
    latest = {}  # a file counts as a delivery of the months its dated rows hold
    for file, exporter, month, fault, _ in written:
        if fault != "bad date":
            latest[(exporter, month)] = max(latest.get((exporter, month), file), file)
    per_file = defaultdict(Counter)
    reasons = Counter()
    referrals = set()
    for file, exporter, month, fault, key in written:
        if fault == "bad date":
            outcome = "quarantined"
        elif latest.get((exporter, month), file) != file:
            outcome = "superseded"
        elif fault:
            outcome = "quarantined"
        else:
            outcome, _ = "kept", referrals.add(key)
        per_file[file][outcome] += 1
        if outcome == "quarantined":
            reasons[FAULTS[fault][1]] += 1
    return per_file, reasons, len(referrals)


# Each example is a home run through ingest and dbt (about 15 s): few examples, each with
# many files and rows, and no shrinking (it would re-run the pipeline dozens of times).
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deliveries=files)
def test_every_row_is_accounted_for_on_any_mix(tmp_path_factory, deliveries):
    # The same folder for every example: dbt then parses the project once, not per example.
    root = tmp_path_factory.getbasetemp() / "accounting" / "home"
    for part in ("reference", "landing", "warehouse", "published", "rejected"):
        shutil.rmtree(root / part, ignore_errors=True)
    written = write_home(root, deliveries)
    home = Home.open(root)
    assert run_pipeline(home, stage="ingest+dbt")
    per_file, reasons, referrals = expected_outcomes(written)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        audit = {file: (read, loaded + merged, superseded, quarantined) for
                 file, read, loaded, merged, superseded, quarantined in con.execute(
                     "select file, rows_read, rows_loaded, rows_merged, rows_superseded, "
                     "rows_quarantined from marts.load_audit").fetchall()}
        starts = [start for _, start in FAULTS.values()]
        found_reasons = Counter(
            next((start for start in starts if reason.startswith(start)), reason)
            for (reason,) in con.execute("select reason from marts.quarantine").fetchall())
        loaded = con.execute("select sum(rows_loaded) from marts.load_audit").fetchone()[0]
    finally:
        con.close()
    assert audit == {file: (sum(counts.values()), counts["kept"], counts["superseded"],
                            counts["quarantined"]) for file, counts in per_file.items()}
    assert found_reasons == reasons
    assert loaded == referrals
