with

rows as (
    select * from {{ ref('int_support_rows_classified') }}
    where outcome = 'loaded'
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
        case
            when person_commune.commune is not null then person_commune.territory_commune
            when postcodes.postcode is not null then postcodes.territory_commune
            else service_commune.territory_commune
        end as territory_commune,
        case
            when person_commune.commune is not null then person_commune.departement
            when postcodes.postcode is not null then postcodes.departement
            else service_commune.departement
        end as territory_departement,
        case
            when person_commune.commune is not null then person_commune.region
            when postcodes.postcode is not null then postcodes.region
            else service_commune.region
        end as territory_region,
        case
            when person_commune.commune is not null then 'person_commune'
            when postcodes.postcode is not null then postcodes.territory_basis
            else 'origin_service'
        end as territory_basis
    from rows
    left join communes as person_commune on rows.person_commune = person_commune.commune
    left join postcodes on rows.person_postcode = postcodes.postcode
    inner join services on rows.service_id = services.service_id
    left join communes as service_commune on services.commune = service_commune.commune
)

select * from final
