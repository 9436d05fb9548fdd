with

source as (
    select * from {{ source('landing', 'files') }}
),

final as (
    select
        file,
        kind,
        exporter_id,
        series,
        reader,
        sha256,
        delivered_at,
        ingested_at,
        rows_read,
        status,
        error
    from source
)

select * from final
