with

source as (
    select * from {{ source('reference', 'service_aliases') }}
),

final as (
    select
        {{ clean_text('exporter_id') }} as exporter_id,
        {{ clean_text('alias') }} as alias,
        {{ fold('alias') }} as alias_folded,
        {{ clean_text('service_id') }} as service_id
    from source
)

select * from final
