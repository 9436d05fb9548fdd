-- Every COG commune code, with the full commune (COM) it belongs to: ARM, COMA and COMD rows
-- roll up to their COMPARENT, whose département and région they take.
with

communes as (
    select * from {{ ref('stg_reference__cog_communes') }}
),

full_communes as (
    select
        commune,
        departement,
        region
    from communes
    where commune_type = 'COM'
),

rolled_up as (
    select
        communes.commune,
        communes.commune_type,
        communes.commune_name,
        full_communes.commune as territory_commune,
        full_communes.departement,
        full_communes.region
    from communes
    inner join full_communes
        on full_communes.commune = case
            when communes.commune_type = 'COM' then communes.commune
            else communes.parent_commune
        end
),

final as (
    -- A commune déléguée often shares its code with its commune nouvelle: keep the COM row.
    select *
    from rolled_up
    qualify row_number() over (
        partition by commune order by (commune_type = 'COM') desc, commune_type
    ) = 1
)

select * from final
