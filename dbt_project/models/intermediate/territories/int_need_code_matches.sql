-- Pairs of need codes that match (equal, or one is the other's family): the relation used
-- for competences and for observed solicitations (indicators.md, "Needs").
with

codes as (
    select code from {{ ref('stg_reference__need_codes') }}
),

final as (
    select
        need.code as need,
        matching.code as matching_need
    from codes as need
    inner join codes as matching
        on {{ needs_match('need.code', 'matching.code') }}
)

select * from final
