{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}
-- Valid referrals grouped by (month, territory commune, origin, need): the "aggregate first"
-- input of the expected side of neglected services (indicators.md). Needs are declared or
-- inferred (fct_referrals); a referral whose commune is not known (a postcode shared by
-- several communes) has no competent set and is left out, here and on the observed side.
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
    where territory_commune is not null
    {% if is_incremental() %}
        and {{ in_increment() }}
    {% endif %}
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
