{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}
-- Observed side of neglected services: per (month, territory commune, target, need n), the
-- valid referrals to that target with a need matching n (declared or inferred). Unlike the
-- expected side, the commune is not needed: a referral placed only at the département (an
-- ambiguous postcode) still solicited its target there.
with

referral_needs as (
    select
        referral_key,
        month,
        territory_commune,
        territory_departement,
        territory_region,
        target_service_id,
        unnest(needs) as need
    from {{ ref('fct_referrals') }}
    {% if is_incremental() %}
        where {{ in_increment() }}
    {% endif %}
),

matches as (
    select * from {{ ref('int_need_code_matches') }}
),

matched as (
    select distinct
        referral_needs.referral_key,
        referral_needs.month,
        referral_needs.territory_commune,
        referral_needs.territory_departement,
        referral_needs.territory_region,
        referral_needs.target_service_id,
        matches.matching_need as need
    from referral_needs
    inner join matches on referral_needs.need = matches.need
),

final as (
    select
        month,
        territory_commune,
        territory_departement,
        territory_region,
        target_service_id,
        need,
        count(*) as referrals
    from matched
    group by all
)

select * from final
