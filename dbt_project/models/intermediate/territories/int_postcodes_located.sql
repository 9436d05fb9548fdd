-- Each postcode of La Poste's table, with the territory all its communes agree on
-- (data-contract.md, "Real exports"): its commune when it has one (arrondissements and
-- communes déléguées rolled up first), else their département, else their région.
-- `territory_basis` records which. A postcode with a commune the home's COG does not know
-- (an older COG) places nothing: its known communes alone might agree where the whole
-- would not.
with

postcodes as (
    select * from {{ ref('stg_reference__postcodes') }}
),

communes as (
    select * from {{ ref('int_communes_rolled_up') }}
),

located as (
    select
        postcodes.postcode,
        communes.territory_commune,
        communes.departement,
        communes.region
    from postcodes
    left join communes on postcodes.commune = communes.commune
),

agreed as (
    select
        postcode,
        count(distinct territory_commune) as communes,
        count(distinct departement) as departements,
        count(distinct region) as regions,
        min(territory_commune) as territory_commune,
        min(departement) as departement,
        min(region) as region,
        count(*) filter (where territory_commune is null) as unknown
    from located
    group by postcode
),

final as (
    select
        postcode,
        case when communes = 1 then territory_commune end as territory_commune,
        case when departements = 1 then departement end as departement,
        case when regions = 1 then region end as region,
        case
            when communes = 1 then 'postcode'
            when departements = 1 then 'postcode_departement'
            else 'postcode_region'
        end as territory_basis
    from agreed
    where regions = 1 and unknown = 0
)

select * from final
