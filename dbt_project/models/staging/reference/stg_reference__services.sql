with

source as (
    select * from {{ source('reference', 'services') }}
),

final as (
    select
        {{ clean_text('service_id') }} as service_id,
        {{ clean_text('name') }} as name,
        lower({{ clean_text('sector') }}) as sector,
        {{ clean_text('commune') }} as commune,
        {{ split_codes('competences') }} as competences,
        list_transform(
            {{ split_codes('served_area') }},
            area -> case when area like 'r%' then upper(area) else area end
        ) as served_area,
        coalesce(try_cast(nullif(trim(capacity), '') as double), 1.0) as capacity,
        {{ parse_date('opened_on') }} as opened_on,
        {{ parse_date('closed_on') }} as closed_on
    from source
)

select * from final
