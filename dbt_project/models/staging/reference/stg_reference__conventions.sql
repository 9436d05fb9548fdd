with

source as (
    select * from {{ source('reference', 'conventions') }}
),

final as (
    select
        {{ clean_text('convention_id') }} as convention_id,
        {{ clean_text('service_a') }} as service_a,
        {{ clean_text('service_b') }} as service_b,
        lower({{ clean_text('kind') }}) as kind,
        {{ parse_date('start_date') }} as start_date,
        {{ parse_date('end_date') }} as end_date
    from source
)

select * from final
