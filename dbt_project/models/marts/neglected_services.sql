with

indicators as (
    select * from {{ ref('stg_indicators__neglected_pairs') }}
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
    from indicators
)

select * from final
