with

source as (
    select * from {{ source('landing', 'referral_rows') }}
),

renamed as (
    select
        file,
        row_number,
        exporter_id,
        {{ clean_text('referral_id') }} as referral_id,
        {{ clean_text('referral_date') }} as referral_date_text,
        {{ parse_date('referral_date') }} as referral_date,
        {{ clean_text('origin_service_id') }} as origin_reference,
        {{ clean_text('target_service_id') }} as target_reference,
        person_id as person_key,
        {{ split_codes('needs') }} as needs,
        professional_id as professional_key,
        {{ clean_text('status') }} as status_text,
        {{ canonical_status('status') }} as status,
        {{ parse_date('decision_date') }} as decision_date,
        {{ clean_text('refusal_reason') }} as refusal_reason,
        {{ five_digit_code('person_commune') }} as person_commune,
        {{ five_digit_code('person_postcode') }} as person_postcode
    from source
),

final as (
    select
        *,
        date_trunc('month', referral_date)::date as month
    from renamed
)

select * from final
