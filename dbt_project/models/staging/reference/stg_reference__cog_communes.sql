with

source as (
    select * from {{ source('reference', 'cog_communes') }}
),

final as (
    select
        upper({{ clean_text('"TYPECOM"') }}) as commune_type,
        {{ clean_text('"COM"') }} as commune,
        {{ clean_text('"REG"') }} as region,
        {{ clean_text('"DEP"') }} as departement,
        {{ clean_text('"LIBELLE"') }} as commune_name,
        {{ clean_text('"COMPARENT"') }} as parent_commune
    from source
)

select * from final
