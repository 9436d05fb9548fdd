-- Every name by which an export may designate a directory service, folded (no case,
-- accents or punctuation), with its scope: the exporter whose alias it is, or '*' for every
-- exporter. In order of precedence: aliases of service_aliases.csv (exporter_id '*' or
-- empty: every exporter), offer ids of a data·inclusion directory, and the directory's own
-- names. A name that designates two services at one level designates neither.
with

aliases as (
    select
        coalesce(nullif(exporter_id, ''), '*') as scope,
        alias_folded as reference,
        service_id,
        1 as precedence
    from {{ ref('stg_reference__service_aliases') }}
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
    from {{ ref('stg_reference__services') }}
    where name is not null
),

candidates as (
    select * from aliases
    union all
    select * from offers
    union all
    select * from names
),

unambiguous as (
    select
        scope,
        reference,
        precedence,
        min(service_id) as service_id
    from candidates
    where reference <> ''
    group by scope, reference, precedence
    having count(distinct service_id) = 1
),

final as (
    select
        scope,
        reference,
        service_id
    from unambiguous
    qualify row_number() over (partition by scope, reference order by precedence) = 1
)

select * from final
