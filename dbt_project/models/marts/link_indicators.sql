with

indicators as (
    select * from {{ ref('stg_indicators__link_indicators') }}
),

final as (
    select
        origin_service_id,
        target_service_id,
        month,
        window_months,
        referrals,
        accepted,
        refused,
        reverse_referrals,
        distinct_professionals,
        top_professional_share,
        has_convention
    from indicators
)

select * from final
