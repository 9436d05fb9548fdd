with

source as (
    select * from {{ source('reference', 'cog_departements') }}
),

final as (
    select
        {{ clean_text('"DEP"') }} as departement,
        {{ clean_text('"REG"') }} as region,
        {{ clean_text('"LIBELLE"') }} as departement_name
    from source
)

select * from final
