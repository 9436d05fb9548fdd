-- What each exporter delivered for each month, per series: files, rows and their outcomes,
-- when it arrived and whether on time, and the months an exporter skipped (docs/decisions.md,
-- "Delivery monitoring"). A file counts in every month it holds rows of; a file with no dated
-- row (rejected, refused, empty, or every date unreadable) counts in the month before the one
-- it arrived in. Deadline: the 5th of the following month, end of day, Europe/Paris.
with

files as (
    select
        file,
        kind,
        exporter_id,
        series,
        delivered_at,
        status in ('rejected', 'refused') as set_aside,
        -- delivered_at is UTC; the month before the one it arrived in, in Paris.
        (
            date_trunc('month', timezone('Europe/Paris', timezone('UTC', delivered_at)))
            - interval 1 month
        )::date as delivered_for
    from {{ ref('stg_landing__files') }}
),

row_outcomes as (
    select
        file,
        month,
        outcome
    from {{ ref('int_referral_rows_classified') }}
    union all
    select
        file,
        month,
        outcome
    from {{ ref('int_support_rows_classified') }}
),

file_last_months as (
    select
        file,
        max(month) as last_month
    from row_outcomes
    group by file
),

-- Every row read, in the month it is for: its own; without a readable date, its file's
-- last month; in a file without any dated row, the month the file was delivered for.
row_months as (
    select
        row_outcomes.file,
        row_outcomes.outcome,
        coalesce(row_outcomes.month, file_last_months.last_month, files.delivered_for) as month
    from row_outcomes
    inner join file_last_months on row_outcomes.file = file_last_months.file
    inner join files on row_outcomes.file = files.file
),

row_counts as (
    select
        file,
        month,
        count(*) as rows_read,
        count(*) filter (where outcome = 'loaded') as rows_loaded,
        count(*) filter (where outcome = 'merged') as rows_merged,
        count(*) filter (where outcome = 'superseded') as rows_superseded,
        count(*) filter (where outcome = 'quarantined') as rows_quarantined
    from row_months
    group by file, month
),

-- The months of each file: those of its rows, else the month it was delivered for.
file_months as (
    select
        file,
        month
    from row_counts
    union all
    select
        files.file,
        files.delivered_for as month
    from files
    left join file_last_months on files.file = file_last_months.file
    where file_last_months.file is null
),

delivered as (
    select
        files.kind,
        files.exporter_id,
        files.series,
        file_months.month,
        count(*) as files,
        coalesce(sum(row_counts.rows_read), 0) as rows_read,
        coalesce(sum(row_counts.rows_loaded), 0) as rows_loaded,
        coalesce(sum(row_counts.rows_quarantined), 0) as rows_quarantined,
        count(*) filter (where files.set_aside) as files_refused,
        max(files.delivered_at) as delivered_at,
        coalesce(sum(row_counts.rows_merged), 0) as rows_merged,
        coalesce(sum(row_counts.rows_superseded), 0) as rows_superseded,
        -- On time: a file that could be read arrived before the 6th of the following
        -- month, 00:00 in Paris (delivered_at is UTC).
        coalesce(
            min(files.delivered_at) filter (where not files.set_aside)
            < timezone(
                'UTC',
                timezone(
                    'Europe/Paris', (file_months.month + interval 1 month + interval 5 day)
                )
            ),
            false
        ) as on_time
    from file_months
    inner join files on file_months.file = files.file
    left join row_counts
        on file_months.file = row_counts.file and file_months.month = row_counts.month
    group by files.kind, files.exporter_id, files.series, file_months.month
),

-- The last complete month: the one before the latest delivery arrived (Paris), so that the
-- table depends on the data only, never on the day it is built.
last_complete as (
    select max(delivered_for) as month from files
),

-- Each series an exporter delivered readable files of, from its first month.
series_started as (
    select
        kind,
        exporter_id,
        series,
        min(month) as first_month
    from delivered
    where files > files_refused
    group by kind, exporter_id, series
),

expected as (
    select
        series_started.kind,
        series_started.exporter_id,
        series_started.series,
        unnest(
            generate_series(series_started.first_month, last_complete.month, interval 1 month)
        )::date as month
    from series_started
    cross join last_complete
),

missing as (
    select
        expected.kind,
        expected.exporter_id,
        expected.series,
        expected.month
    from expected
    left join delivered
        on
            expected.kind = delivered.kind
            and expected.exporter_id = delivered.exporter_id
            and expected.series = delivered.series
            and expected.month = delivered.month
    where delivered.month is null
),

final as (
    select
        exporter_id,
        series,
        month,
        files::bigint as files,
        rows_read::bigint as rows_read,
        rows_loaded::bigint as rows_loaded,
        rows_quarantined::bigint as rows_quarantined,
        files_refused::bigint as files_refused,
        delivered_at,
        on_time,
        false as missing,
        kind,
        rows_merged::bigint as rows_merged,
        rows_superseded::bigint as rows_superseded
    from delivered
    union all
    select
        exporter_id,
        series,
        month,
        0::bigint as files,
        0::bigint as rows_read,
        0::bigint as rows_loaded,
        0::bigint as rows_quarantined,
        0::bigint as files_refused,
        null::timestamp as delivered_at,
        false as on_time,
        true as missing,
        kind,
        0::bigint as rows_merged,
        0::bigint as rows_superseded
    from missing
)

select * from final
