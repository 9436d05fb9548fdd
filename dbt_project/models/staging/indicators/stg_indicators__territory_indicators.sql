with

source as (
    select * from {{ source('indicators', 'territory_indicators') }}
),

final as (
    select
        territory_level,
        territory_code,
        month,
        window_months,
        indicator,
        value,
        numerator,
        denominator
    from source
)

select * from final
