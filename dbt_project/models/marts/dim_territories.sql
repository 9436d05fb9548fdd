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

-- Where the observatory has something: a directory service, a referral or a support.
present as (
    select
        commune,
        departement,
        region
    from {{ ref('int_services_located') }}
    union all
    select
        territory_commune,
        territory_departement,
        territory_region
    from {{ ref('fct_referrals') }}
    union all
    select
        territory_commune,
        territory_departement,
        territory_region
    from {{ ref('fct_supports') }}
),

observed as (
    select distinct
        'region' as territory_level,
        region as territory_code
    from present
    union
    select distinct
        'departement' as territory_level,
        departement as territory_code
    from present
    union
    select distinct
        'commune' as territory_level,
        commune as territory_code
    from present
),

territories as (
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
),

final as (
    select
        territories.territory_level,
        territories.territory_code,
        territories.territory_name,
        territories.parent_code,
        observed.territory_code is not null as observed
    from territories
    left join observed
        on
            territories.territory_level = observed.territory_level
            and territories.territory_code = observed.territory_code
)

select * from final
