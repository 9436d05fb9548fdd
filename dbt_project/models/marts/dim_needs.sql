with

need_codes as (
    select * from {{ ref('stg_reference__need_codes') }}
),

final as (
    select
        code as need,
        family,
        label,
        taxonomy
    from need_codes
)

select * from final
