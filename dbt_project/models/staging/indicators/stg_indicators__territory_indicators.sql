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
        denominator,
        ci_low,
        ci_high
    from source
)

select * from final
