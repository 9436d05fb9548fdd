-- Directory services with their département and région, and the served area the contract
-- implies when none is given (the service's own département).
with

services as (
    select * from {{ ref('stg_reference__services') }}
),

communes as (
    select * from {{ ref('int_communes_rolled_up') }}
),

final as (
    select
        services.service_id,
        services.name,
        services.sector,
        services.commune,
        communes.departement,
        communes.region,
        services.competences,
        case
            when len(services.served_area) = 0 then [communes.departement]
            else services.served_area
        end as served_area,
        services.capacity,
        services.opened_on,
        services.closed_on
    from services
    left join communes on services.commune = communes.commune
)

select * from final
