-- Every row read counts in exactly one month: per file's exporter and series, the rows of
-- marts.deliveries add up to those of marts.load_audit, and each month's outcomes to its reads.
with

audit as (
    select
        exporter_id,
        series,
        sum(rows_read) as rows_read,
        sum(rows_quarantined) as rows_quarantined
    from {{ ref('load_audit') }}
    group by exporter_id, series
),

monthly as (
    select
        exporter_id,
        series,
        sum(rows_read) as rows_read,
        sum(rows_quarantined) as rows_quarantined
    from {{ ref('deliveries') }}
    group by exporter_id, series
)

select
    audit.exporter_id,
    audit.series
from audit
full outer join monthly
    on audit.exporter_id = monthly.exporter_id and audit.series = monthly.series
where
    audit.rows_read is distinct from monthly.rows_read
    or audit.rows_quarantined is distinct from monthly.rows_quarantined
union all
select
    exporter_id,
    series
from {{ ref('deliveries') }}
where rows_loaded + rows_merged + rows_superseded + rows_quarantined != rows_read
