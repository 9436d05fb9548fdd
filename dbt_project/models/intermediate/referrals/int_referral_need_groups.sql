-- Valid referrals grouped by (month, territory commune, origin, need): the "aggregate first"
-- input of the expected side of neglected services (indicators.md).
with

referrals as (
    select
        month,
        territory_commune,
        territory_departement,
        territory_region,
        origin_service_id,
        unnest(needs) as need
    from {{ ref('fct_referrals') }}
),

final as (
    select
        month,
        territory_commune,
        territory_departement,
        territory_region,
        origin_service_id,
        need,
        count(*) as referrals
    from referrals
    group by all
)

select * from final
