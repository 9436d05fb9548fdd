with

source as (
    select * from {{ source('reference', 'postcodes') }}
),

final as (
    select
        {{ clean_text('code_postal') }} as postcode,
        {{ clean_text('code_commune_insee') }} as commune
    from source
)

select * from final
