with

supports as (
    select * from {{ ref('fct_supports') }}
),

final as (
    select
        month,
        territory_departement,
        territory_region,
        person_key,
        supporter_kind,
        supporter_key
    from supports
)

select * from final
