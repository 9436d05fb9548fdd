with

services as (
    select * from {{ ref('dim_services') }}
),

final as (
    select
        service_id,
        sector,
        departement,
        region
    from services
)

select * from final
