with

rows as (
    select * from {{ ref('int_support_rows_classified') }}
    where outcome = 'loaded'
),

communes as (
    select * from {{ ref('int_communes_rolled_up') }}
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
        coalesce(person_commune.territory_commune, service_commune.territory_commune)
            as territory_commune,
        coalesce(person_commune.departement, service_commune.departement)
            as territory_departement,
        coalesce(person_commune.region, service_commune.region) as territory_region
    from rows
    left join communes as person_commune on rows.person_commune = person_commune.commune
    inner join services on rows.service_id = services.service_id
    left join communes as service_commune on services.commune = service_commune.commune
)

select * from final
