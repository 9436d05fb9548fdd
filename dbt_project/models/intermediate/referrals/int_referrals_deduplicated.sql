{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}
-- One row per referral: rows with the same (origin, target, person, date) are one referral,
-- whoever exported them. Needs are the union; the loaded row (see classification) gives the
-- status; the referring professional comes from the origin's own copy when it has one.
with

rows as (
    select * from {{ ref('int_referral_rows_classified') }}
    where outcome in ('loaded', 'merged')
    {% if is_incremental() %}
        and {{ in_increment() }}
    {% endif %}
),

final as (
    select
        md5(concat_ws('|', origin_service_id, target_service_id, person_key, referral_date))
            as referral_key,
        referral_date,
        month,
        origin_service_id,
        target_service_id,
        person_key,
        list_sort(list_distinct(flatten(list(needs)))) as needs,
        coalesce(
            max(professional_key) filter (where exporter_id = origin_service_id),
            max(professional_key)
        ) as professional_key,
        max(status) filter (where outcome = 'loaded') as status,
        max(decision_date) filter (where outcome = 'loaded') as decision_date,
        coalesce(
            max(person_commune) filter (where outcome = 'loaded'), max(person_commune)
        ) as person_commune,
        coalesce(
            max(person_postcode) filter (where outcome = 'loaded'), max(person_postcode)
        ) as person_postcode,
        count(*) as exported_rows
    from rows
    group by origin_service_id, target_service_id, person_key, referral_date, month
)

select * from final
