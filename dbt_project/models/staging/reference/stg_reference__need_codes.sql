with

source as (
    select * from {{ source('reference', 'need_codes') }}
),

final as (
    select
        code,
        family,
        label,
        source as taxonomy
    from source
)

select * from final
