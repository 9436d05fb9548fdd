with

files as (
    select * from {{ ref('stg_landing__files') }}
),

row_outcomes as (
    select
        file,
        outcome
    from {{ ref('int_referral_rows_classified') }}
    union all
    select
        file,
        outcome
    from {{ ref('int_support_rows_classified') }}
),

counts as (
    select
        file,
        count(*) filter (where outcome = 'loaded') as rows_loaded,
        count(*) filter (where outcome = 'merged') as rows_merged,
        count(*) filter (where outcome = 'superseded') as rows_superseded,
        count(*) filter (where outcome = 'quarantined') as rows_quarantined
    from row_outcomes
    group by file
),

final as (
    select
        files.file,
        files.exporter_id,
        files.series,
        files.sha256,
        files.delivered_at,
        coalesce(files.rows_read, 0)::bigint as rows_read,
        coalesce(counts.rows_loaded, 0)::bigint as rows_loaded,
        coalesce(counts.rows_merged, 0)::bigint as rows_merged,
        coalesce(counts.rows_superseded, 0)::bigint as rows_superseded,
        coalesce(counts.rows_quarantined, 0)::bigint as rows_quarantined,
        case
            when files.status in ('rejected', 'refused') then files.status
            when files.rows_read > 0 and counts.rows_superseded = files.rows_read then 'superseded'
            else 'loaded'
        end as status,
        files.error,
        files.reader
    from files
    left join counts on files.file = counts.file
)

select * from final
