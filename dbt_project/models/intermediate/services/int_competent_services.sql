-- (commune, need, service): who is competent for a need in a commune, with what capacity and
-- when it is open. The expected side of "neglected services" (indicators.md).
with

served as (
    select * from {{ ref('int_service_communes_served') }}
),

matched as (
    select * from {{ ref('int_service_needs_matched') }}
),

services as (
    select * from {{ ref('int_services_located') }}
),

final as (
    select
        served.commune,
        matched.need,
        services.service_id,
        services.capacity,
        services.opened_on,
        services.closed_on
    from served
    inner join matched on served.service_id = matched.service_id
    inner join services on served.service_id = services.service_id
)

select * from final
