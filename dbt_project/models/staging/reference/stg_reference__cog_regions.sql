with

source as (
    select * from {{ source('reference', 'cog_regions') }}
),

final as (
    select
        {{ clean_text('"REG"') }} as region,
        {{ clean_text('"LIBELLE"') }} as region_name
    from source
)

select * from final
