-- Every name by which an export may designate a directory service, folded (no case,
-- accents or punctuation), with its scope: the exporter whose alias it is, or '*' for every
-- exporter. In order of precedence: aliases of service_aliases.csv (exporter_id '*' or
-- empty: every exporter), offer ids of a data·inclusion directory, and the directory's own
-- names. An alias of a service that is not in the directory designates nothing. A name that
-- designates two services at one level designates neither: its row keeps `service_id` null
-- and lists the services in `candidates`, so that the quarantine can say so.
with

services as (
    select
        service_id,
        name
    from {{ ref('stg_reference__services') }}
),

aliases as (
    select
        coalesce(nullif(aliases.exporter_id, ''), '*') as scope,
        aliases.alias_folded as reference,
        aliases.service_id,
        1 as precedence
    from {{ ref('stg_reference__service_aliases') }} as aliases
    inner join services on aliases.service_id = services.service_id
),

offers as (
    select
        '*' as scope,
        {{ fold('offer_id') }} as reference,
        service_id,
        2 as precedence
    from {{ ref('stg_reference__service_offers') }}
),

names as (
    select
        '*' as scope,
        {{ fold('name') }} as reference,
        service_id,
        3 as precedence
    from services
    where name is not null
),

candidates as (
    select * from aliases
    union all
    select * from offers
    union all
    select * from names
),

per_reference as (
    select
        scope,
        reference,
        precedence,
        case when count(distinct service_id) = 1 then min(service_id) end as service_id,
        case
            when count(distinct service_id) > 1
                then string_agg(distinct service_id, ', ' order by service_id)
        end as candidates
    from candidates
    where reference <> ''
    group by scope, reference, precedence
),

final as (
    select
        scope,
        reference,
        service_id,
        candidates
    from per_reference
    qualify row_number() over (partition by scope, reference order by precedence) = 1
)

select * from final
