with

groups as (
    select * from {{ ref('int_referral_need_groups') }}
),

final as (
    select
        month,
        territory_commune,
        territory_departement,
        territory_region,
        origin_service_id,
        need,
        referrals
    from groups
)

select * from final
