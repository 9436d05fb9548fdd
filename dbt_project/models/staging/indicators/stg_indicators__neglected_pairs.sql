with

source as (
    select * from {{ source('indicators', 'neglected_pairs') }}
),

final as (
    select
        territory_level,
        territory_code,
        month,
        window_months,
        service_id,
        need,
        expected,
        observed,
        p_value,
        status
    from source
)

select * from final
