with

source as (
    select * from {{ source('landing', 'support_rows') }}
),

renamed as (
    select
        file,
        row_number,
        exporter_id,
        {{ clean_text('support_id') }} as support_id,
        {{ clean_text('support_date') }} as support_date_text,
        {{ parse_date('support_date') }} as support_date,
        {{ clean_text('service_id') }} as service_reference,
        person_id as person_key,
        lower({{ clean_text('supporter_kind') }}) as supporter_kind,
        supporter_id as supporter_key,
        {{ five_digit_code('person_commune') }} as person_commune,
        {{ five_digit_code('person_postcode') }} as person_postcode
    from source
),

final as (
    select
        *,
        date_trunc('month', support_date)::date as month
    from renamed
)

select * from final
