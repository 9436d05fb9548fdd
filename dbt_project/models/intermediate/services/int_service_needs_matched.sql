-- (service, need) for every need code that one of the service's competences matches.
with

competences as (
    select
        service_id,
        unnest(competences) as competence
    from {{ ref('int_services_located') }}
),

matches as (
    select * from {{ ref('int_need_code_matches') }}
),

final as (
    select distinct
        competences.service_id,
        matches.matching_need as need
    from competences
    inner join matches on competences.competence = matches.need
)

select * from final
