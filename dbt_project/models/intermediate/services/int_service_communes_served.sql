-- (service, commune) for every full commune a service serves: its served area holds the
-- commune, its département, its région (R + code) or `france` (indicators.md, "Serves").
with

services as (
    select
        service_id,
        unnest(served_area) as area
    from {{ ref('int_services_located') }}
),

communes as (
    select distinct
        territory_commune as commune,
        departement,
        region
    from {{ ref('int_communes_rolled_up') }}
),

final as (
    select distinct
        services.service_id,
        communes.commune
    from services
    inner join communes
        on
            services.area = 'france'
            or services.area = communes.commune
            or services.area = communes.departement
            or services.area = 'R' || communes.region
)

select * from final
