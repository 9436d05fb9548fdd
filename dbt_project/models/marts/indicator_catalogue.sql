with

source as (
    select * from {{ ref('indicator_catalogue_entries') }}
),

final as (
    select
        indicator,
        label_fr,
        label_en,
        unit,
        definition,
        higher_is,
        seed_passage
    from source
)

select * from final
