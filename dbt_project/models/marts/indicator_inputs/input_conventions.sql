with

conventions as (
    select * from {{ ref('stg_reference__conventions') }}
),

final as (
    select
        convention_id,
        service_a,
        service_b,
        start_date,
        end_date
    from conventions
)

select * from final
