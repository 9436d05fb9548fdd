with

services as (
    select * from {{ ref('int_services_located') }}
),

final as (
    select
        service_id,
        name,
        sector,
        commune,
        departement,
        region,
        competences,
        served_area,
        capacity,
        opened_on,
        closed_on
    from services
)

select * from final
