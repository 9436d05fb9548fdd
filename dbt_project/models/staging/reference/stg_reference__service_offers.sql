-- The offers (data·inclusion services) of each directory service, from a directory given in
-- data·inclusion form: DORA's JSON export names its target by such an offer id.
with

source as (
    select * from {{ source('reference', 'services') }}
),

offers as (
    select
        {{ clean_text('service_id') }} as service_id,
        trim(unnest(string_split(coalesce(offers, ''), '|'))) as offer_id
    from source
),

final as (
    select distinct
        offer_id,
        service_id
    from offers
    where offer_id <> ''
)

select * from final
