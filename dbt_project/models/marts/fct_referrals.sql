with

referrals as (
    select * from {{ ref('int_referrals_deduplicated') }}
    -- Valid referral: not cancelled (origin != target and known services were checked on rows).
    where status is distinct from 'cancelled'
),

communes as (
    select * from {{ ref('int_communes_rolled_up') }}
),

services as (
    select * from {{ ref('int_services_located') }}
),

conventions as (
    select * from {{ ref('stg_reference__conventions') }}
),

needs_matched as (
    select * from {{ ref('int_service_needs_matched') }}
),

territorialised as (
    -- Territory: the person's commune when it is a known COG commune, else the origin's.
    select
        referrals.*,
        coalesce(person_commune.territory_commune, origin_commune.territory_commune)
            as territory_commune,
        coalesce(person_commune.departement, origin_commune.departement)
            as territory_departement,
        coalesce(person_commune.region, origin_commune.region) as territory_region
    from referrals
    left join communes as person_commune
        on referrals.person_commune = person_commune.commune
    inner join services as origin on referrals.origin_service_id = origin.service_id
    left join communes as origin_commune on origin.commune = origin_commune.commune
),

with_convention as (
    select distinct referrals.referral_key
    from referrals
    inner join conventions
        on
            least(referrals.origin_service_id, referrals.target_service_id)
            = least(conventions.service_a, conventions.service_b)
            and greatest(referrals.origin_service_id, referrals.target_service_id)
            = greatest(conventions.service_a, conventions.service_b)
            and referrals.referral_date >= coalesce(conventions.start_date, date '0001-01-01')
            and referrals.referral_date <= coalesce(conventions.end_date, date '9999-12-31')
),

within_mission as (
    select distinct referral_needs.referral_key
    from (
        select
            referral_key,
            target_service_id,
            unnest(needs) as need
        from referrals
    ) as referral_needs
    inner join needs_matched
        on
            referral_needs.target_service_id = needs_matched.service_id
            and referral_needs.need = needs_matched.need
),

final as (
    select
        territorialised.referral_key,
        territorialised.referral_date,
        territorialised.month,
        territorialised.origin_service_id,
        territorialised.target_service_id,
        territorialised.person_key,
        territorialised.needs,
        territorialised.professional_key,
        territorialised.status,
        territorialised.territory_commune,
        territorialised.territory_departement,
        territorialised.territory_region,
        with_convention.referral_key is not null as has_convention,
        within_mission.referral_key is null as out_of_mission
    from territorialised
    left join with_convention on territorialised.referral_key = with_convention.referral_key
    left join within_mission on territorialised.referral_key = within_mission.referral_key
)

select * from final
