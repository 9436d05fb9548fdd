with

regions as (
    select * from {{ ref('stg_reference__cog_regions') }}
),

departements as (
    select * from {{ ref('stg_reference__cog_departements') }}
),

communes as (
    select * from {{ ref('stg_reference__cog_communes') }}
    where commune_type = 'COM'
),

final as (
    select
        'region' as territory_level,
        region as territory_code,
        region_name as territory_name,
        null::varchar as parent_code
    from regions
    union all
    select
        'departement' as territory_level,
        departement as territory_code,
        departement_name as territory_name,
        region as parent_code
    from departements
    union all
    select
        'commune' as territory_level,
        commune as territory_code,
        commune_name as territory_name,
        departement as parent_code
    from communes
)

select * from final
