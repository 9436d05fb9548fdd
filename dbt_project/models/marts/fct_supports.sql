{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}
with

rows as (
    select * from {{ ref('int_support_rows_classified') }}
    where outcome = 'loaded'
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

final as (
    select
        md5(concat_ws('|', rows.exporter_id, rows.support_id)) as support_key,
        rows.support_date,
        rows.month,
        rows.service_id,
        rows.person_key,
        rows.supporter_kind,
        rows.supporter_key,
        -- The referrals' territory rule, with the mobilising service as origin.
        {{ placed_territory('person_commune', 'postcodes', 'service_commune') }}
    from rows
    left join communes as person_commune on rows.person_commune = person_commune.commune
    left join postcodes on rows.person_postcode = postcodes.postcode
    inner join services on rows.service_id = services.service_id
    left join communes as service_commune on services.commune = service_commune.commune
)

select * from final
