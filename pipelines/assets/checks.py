"""Great Expectations suites run as Dagster asset checks (see ``pipelines/quality.py``).

Delivered rows are checked as read, with a warning: their bad rows are quarantined anyway,
and the check says which files to fix at the source. The warehouse's fact tables are checked
before anything is computed from them: those checks block, so a failure stops the indicators
and the publication of the run, while every file already ingested stays ingested.
"""

import dagster as dg

from pipelines.quality import Validation, validate
from pipelines.resources import HomeResource

# The rows of the last delivery: every file ingested by the most recent landing.
_LAST_DELIVERY = (
    "select rows.* from raw.{table} as rows join raw.files using (file) "
    "where raw.files.ingested_at = (select max(ingested_at) from raw.files)"
)


def _result(validation: Validation, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=validation.success,
        severity=severity,
        metadata={
            "rows": validation.rows,
            "expectations": validation.evaluated,
            "failed": dg.MetadataValue.md(
                "\n".join(f"- {failure.describe()}" for failure in validation.failures)
                or "none"),
            "data_docs": dg.MetadataValue.path(str(validation.docs)),
        },
    )


def _delivered_check(table: str, suite: str):
    @dg.asset_check(asset=["raw", table], name=f"{suite}_expectations", blocking=False,
                    description=f"Great Expectations suite {suite} on the rows of the last "
                                "delivery, as read (warning only: bad rows are quarantined).")
    def check(home: HomeResource) -> dg.AssetCheckResult:
        with home.connect() as con:
            frame = con.execute(_LAST_DELIVERY.format(table=table)).df()
        validation = validate(frame, suite, home.get_home().data_docs, ("file", "row_number"))
        return _result(validation, dg.AssetCheckSeverity.WARN)

    return check


def _warehouse_check(table: str, suite: str, columns: str):
    @dg.asset_check(asset=["marts", table], name=f"{suite}_expectations", blocking=True,
                    description=f"Great Expectations suite {suite} on marts.{table}; blocking: "
                                "a failure stops the indicators and the publication.")
    def check(home: HomeResource) -> dg.AssetCheckResult:
        with home.connect() as con:
            frame = con.execute(f"select {columns} from marts.{table}").df()
        validation = validate(frame, suite, home.get_home().data_docs)
        return _result(validation, dg.AssetCheckSeverity.ERROR)

    return check


expectation_checks = [
    _delivered_check("referral_rows", "delivered_referral_rows"),
    _delivered_check("support_rows", "delivered_support_rows"),
    _warehouse_check("fct_referrals", "warehouse_referrals",
                     "referral_key, person_key, professional_key, status, month, "
                     "territory_region"),
    _warehouse_check("fct_supports", "warehouse_supports",
                     "person_key, supporter_key, supporter_kind, month, territory_region"),
]
