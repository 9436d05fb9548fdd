"""Ingestion assets: reference files and landing exports into ``raw.*``."""


from collections import Counter

import dagster as dg

from pipelines.ingest.columns import EXPORT_KINDS
from pipelines.ingest.landing import ingest_landing
from pipelines.ingest.reference import load_reference
from pipelines.orchestration.resources import HomeResource

REFERENCE_TABLES = {
    "services": ("The directory of services, reference/services.csv or reference/data-inclusion/"
                 " (data·inclusion form), as text."),
    "conventions": "Formal partnerships, reference/conventions.csv (empty when absent).",
    "service_aliases": "Exporter-local names of services (empty when absent).",
    "need_codes": "data·inclusion v1 thematiques and families, plus the contract's codes.",
    "cog_communes": "INSEE COG communes (latest v_commune_<year>.csv).",
    "cog_departements": "INSEE COG départements.",
    "cog_regions": "INSEE COG régions.",
    "postcodes": "La Poste's postcode table (postcode -> INSEE commune), shipped with réseau.",
}
LANDING_TABLES = {
    "files": "Every delivered file ever seen (by SHA-256), with its outcome.",
    "referral_rows": "Rows of referral exports, one per row read, pseudonyms re-keyed.",
    "support_rows": "Rows of informal-support exports, one per row read, pseudonyms re-keyed.",
}


def _specs(tables: dict[str, str]) -> list[dg.AssetSpec]:
    return [dg.AssetSpec(["raw", name], description=text, group_name="ingest",
                         kinds={"python", "duckdb"}) for name, text in tables.items()]


@dg.multi_asset(
    name="reference_tables",
    specs=_specs(REFERENCE_TABLES),
    description=(
        "Reference files of the home (INSEE COG, directory of services, conventions, "
        "aliases) and the need-code taxonomy, reloaded whole into raw.* at each run."
    ),
)
def reference_tables(context: dg.AssetExecutionContext, home: HomeResource):
    with home.connect() as con:
        counts, issues = load_reference(con, home.get_home())
    context.log.info("reference: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for issue in issues:
        context.log.warning(f"directory: {issue}")
    for name, rows in counts.items():
        metadata = {"rows": rows}
        if name == "services":
            metadata["issues"] = len(issues)
            metadata["issue_list"] = dg.MetadataValue.md(
                "\n".join(f"- {issue}" for issue in issues[:200]) or "none")
        yield dg.MaterializeResult(asset_key=["raw", name], metadata=metadata)


@dg.multi_asset(
    name="landing_exports",
    specs=_specs(LANDING_TABLES),
    description=(
        "Every new file under landing/referrals and landing/supports, one row per row read "
        "(with file and row number) in raw.referral_rows / raw.support_rows, pseudonyms "
        "re-keyed with HMAC-SHA256. Files already loaded (same bytes) are skipped; files that "
        "cannot be read are moved to rejected/ with their error."
    ),
)
def landing_exports(context: dg.AssetExecutionContext, home: HomeResource):
    with home.connect(rekey=True) as con:
        outcomes = ingest_landing(con, home.get_home(), progress=context.log.info)
    statuses = Counter(outcome.status for outcome in outcomes)
    rows = sum(outcome.rows_read or 0 for outcome in outcomes)
    context.log.info(f"landing: {len(outcomes)} new file(s), {rows} rows, {dict(statuses)}")
    rejected = [f"{o.file}: {o.error}" for o in outcomes if o.status == "rejected"]
    yield dg.MaterializeResult(
        asset_key=["raw", "files"],
        metadata={
            "new_files": len(outcomes),
            "files_rejected": statuses.get("rejected", 0),
            "rejected": dg.MetadataValue.md("\n".join(f"- {r}" for r in rejected) or "none"),
        },
    )
    for kind in EXPORT_KINDS.values():
        new_rows = sum(o.rows_read or 0 for o in outcomes if o.kind == kind.name)
        yield dg.MaterializeResult(asset_key=["raw", kind.table], metadata={"new_rows": new_rows})
