-- The months a build rebuilds: those with a row in a file loaded since the last build, and
-- those of every other row of a support_id such a file delivers (supports of one exporter
-- and id are one support across months: the latest delivered copy wins).
with

new_files as (
    select * from {{ ref('int_increment_files') }}
),

referral_rows as (
    select * from {{ ref('stg_landing__referral_rows') }}
),

support_rows as (
    select * from {{ ref('stg_landing__support_rows') }}
),

new_supports as (
    select distinct
        support_rows.exporter_id,
        support_rows.support_id
    from support_rows
    inner join new_files on support_rows.file = new_files.file
),

months as (
    select referral_rows.month
    from referral_rows
    inner join new_files on referral_rows.file = new_files.file
    union
    select support_rows.month
    from support_rows
    inner join new_files on support_rows.file = new_files.file
    union
    select support_rows.month
    from support_rows
    inner join new_supports
        on
            support_rows.exporter_id = new_supports.exporter_id
            and support_rows.support_id = new_supports.support_id
),

final as (
    select distinct month
    from months
    where month is not null
)

select * from final
