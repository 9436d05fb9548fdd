with

referral_rows as (
    select * from {{ ref('int_referral_rows_classified') }}
    where outcome = 'quarantined'
),

support_rows as (
    select * from {{ ref('int_support_rows_classified') }}
    where outcome = 'quarantined'
),

final as (
    select
        file,
        row_number,
        reason,
        -- The row as delivered (pseudonyms already re-keyed), for a person to read.
        concat_ws(
            '; ',
            'referral_id=' || coalesce(referral_id, ''),
            'referral_date=' || coalesce(referral_date_text, ''),
            'origin_service_id=' || coalesce(origin_reference, ''),
            'target_service_id=' || coalesce(target_reference, ''),
            'person_id=' || coalesce(person_key, ''),
            'needs=' || array_to_string(needs, '|'),
            'professional_id=' || coalesce(professional_key, ''),
            'status=' || coalesce(status_text, ''),
            'person_commune=' || coalesce(person_commune, ''),
            'person_postcode=' || coalesce(person_postcode, '')
        ) as raw
    from referral_rows
    union all
    select
        file,
        row_number,
        reason,
        concat_ws(
            '; ',
            'support_id=' || coalesce(support_id, ''),
            'support_date=' || coalesce(support_date_text, ''),
            'service_id=' || coalesce(service_reference, ''),
            'person_id=' || coalesce(person_key, ''),
            'supporter_kind=' || coalesce(supporter_kind, ''),
            'supporter_id=' || coalesce(supporter_key, ''),
            'person_commune=' || coalesce(person_commune, ''),
            'person_postcode=' || coalesce(person_postcode, '')
        ) as raw
    from support_rows
)

select * from final
