with

indicators as (
    select * from {{ ref('stg_indicators__territory_indicators') }}
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
    from indicators
)

select * from final
