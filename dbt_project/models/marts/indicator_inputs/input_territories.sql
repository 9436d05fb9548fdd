with

territories as (
    select * from {{ ref('dim_territories') }}
),

final as (
    select
        territory_level,
        territory_code
    from territories
    where observed and territory_level in ('departement', 'region')
)

select * from final
