{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}
with

referrals as (
    select * from {{ ref('int_referrals_deduplicated') }}
    -- Valid referral: not cancelled (origin != target and known services were checked on rows).
    where status is distinct from 'cancelled'
    {% if is_incremental() %}
        and {{ in_increment() }}
    {% endif %}
),

communes as (
    select * from {{ ref('int_communes_rolled_up') }}
),

postcodes as (
    select * from {{ ref('int_postcodes_located') }}
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
    -- Territory: the person's commune when it is a known COG commune, else what the communes
    -- of the person's postcode agree on (commune, département or région), else the origin's
    -- commune.
    select
        referrals.*,
        {{ placed_territory('person_commune', 'postcodes', 'origin_commune') }}
    from referrals
    left join communes as person_commune
        on referrals.person_commune = person_commune.commune
    left join postcodes on referrals.person_postcode = postcodes.postcode
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
    -- On declared needs only: a need inferred from the target's one competence matches it
    -- by construction.
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
        -- No need exported: the target's competence when it has exactly one, else none.
        case
            when len(territorialised.needs) > 0 then territorialised.needs
            when len(target.competences) = 1 then target.competences
            else []::varchar[]
        end as needs,
        territorialised.professional_key,
        territorialised.status,
        territorialised.territory_commune,
        territorialised.territory_departement,
        territorialised.territory_region,
        with_convention.referral_key is not null as has_convention,
        case
            when len(territorialised.needs) > 0 then within_mission.referral_key is null
        end as out_of_mission,
        -- Beyond interfaces.md's columns: how much of the referral is known.
        len(territorialised.needs) = 0 and len(target.competences) = 1 as needs_inferred,
        territorialised.territory_basis
    from territorialised
    inner join services as target on territorialised.target_service_id = target.service_id
    left join with_convention on territorialised.referral_key = with_convention.referral_key
    left join within_mission on territorialised.referral_key = within_mission.referral_key
)

select * from final
