with

competent as (
    select * from {{ ref('int_competent_services') }}
),

final as (
    select
        commune,
        need,
        service_id,
        capacity,
        opened_on,
        closed_on
    from competent
)

select * from final
