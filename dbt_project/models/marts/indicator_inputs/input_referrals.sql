-- The referrals the Python indicators read (pipelines/orchestration/assets/indicators.py).
with

referrals as (
    select * from {{ ref('fct_referrals') }}
),

final as (
    select
        month,
        territory_departement,
        territory_region,
        origin_service_id,
        target_service_id,
        person_key,
        professional_key,
        status,
        has_convention,
        out_of_mission,
        len(needs) > 0 as needs_known,
        len(needs) > 0 and territory_commune is not null as needs_covered
    from referrals
)

select * from final
