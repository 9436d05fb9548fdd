with

observations as (
    select * from {{ ref('int_target_need_observations') }}
),

final as (
    select
        month,
        territory_commune,
        territory_departement,
        territory_region,
        target_service_id,
        need,
        referrals
    from observations
)

select * from final
