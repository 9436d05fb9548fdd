with

entries as (
    select * from {{ ref('indicator_catalogue_entries') }}
),

forms as (
    select * from {{ ref('network_forms') }}
),

final as (
    select
        entries.indicator,
        entries.label_fr,
        entries.label_en,
        entries.unit,
        entries.definition,
        entries.higher_is,
        entries.seed_passage,
        entries.form,
        forms.number as form_number,
        forms.title_fr as form_title_fr,
        entries.kind,
        entries.additive,
        entries.base,
        entries.interval
    from entries
    inner join forms on entries.form = forms.form
)

select * from final
