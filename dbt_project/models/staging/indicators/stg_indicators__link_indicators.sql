with

source as (
    select * from {{ source('indicators', 'link_indicators') }}
),

final as (
    select
        origin_service_id,
        target_service_id,
        month,
        window_months,
        referrals::bigint as referrals,
        accepted::bigint as accepted,
        refused::bigint as refused,
        reverse_referrals::bigint as reverse_referrals,
        distinct_professionals::bigint as distinct_professionals,
        top_professional_share,
        has_convention
    from source
)

select * from final
