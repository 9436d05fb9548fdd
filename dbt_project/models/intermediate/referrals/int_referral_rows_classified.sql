{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}, {{ ref('int_increment_files') }}
-- Every referral row read, with its outcome: quarantined (with a reason a person
-- understands), superseded by a later delivery, merged into another row of the same referral,
-- or loaded. Loaded + merged + superseded + quarantined = read, for every file.
with

rows as (
    select * from {{ ref('stg_landing__referral_rows') }}
    {% if is_incremental() %}
        where {{ in_increment(rows_read=true) }}
    {% endif %}
),

files as (
    select
        file,
        series,
        delivered_at
    from {{ ref('stg_landing__files') }}
),

services as (
    select service_id from {{ ref('stg_reference__services') }}
),

service_references as (
    select * from {{ ref('int_service_references') }}
),

known_codes as (
    select list(code) as codes from {{ ref('stg_reference__need_codes') }}
),

resolved as (
    select
        rows.*,
        files.series,
        files.delivered_at,
        coalesce(origin_direct.service_id, origin_own.service_id, origin_any.service_id)
            as origin_service_id,
        coalesce(target_direct.service_id, target_own.service_id, target_any.service_id)
            as target_service_id,
        coalesce(origin_own.candidates, origin_any.candidates) as origin_candidates,
        coalesce(target_own.candidates, target_any.candidates) as target_candidates,
        list_filter(rows.needs, code -> not list_contains(known_codes.codes, code))
            as unknown_needs
    from rows
    inner join files on rows.file = files.file
    cross join known_codes
    -- A directory id, else a name this exporter uses, else a name every exporter may use.
    left join services as origin_direct on rows.origin_reference = origin_direct.service_id
    left join service_references as origin_own
        on
            rows.exporter_id = origin_own.scope
            and {{ fold('rows.origin_reference') }} = origin_own.reference
    left join service_references as origin_any
        on
            origin_any.scope = '*'
            and {{ fold('rows.origin_reference') }} = origin_any.reference
    left join services as target_direct on rows.target_reference = target_direct.service_id
    left join service_references as target_own
        on
            rows.exporter_id = target_own.scope
            and {{ fold('rows.target_reference') }} = target_own.reference
    left join service_references as target_any
        on
            target_any.scope = '*'
            and {{ fold('rows.target_reference') }} = target_any.reference
),

reasoned as (
    select
        *,
        case
            when referral_id is null then 'missing required value: referral_id'
            when referral_date_text is null then 'missing required value: referral_date'
            when origin_reference is null then 'missing required value: origin_service_id'
            when target_reference is null then 'missing required value: target_service_id'
            when person_key is null then 'missing required value: person_id'
            when referral_date is null
                then
                    'bad date: referral_date "' || referral_date_text
                    || '" is neither YYYY-MM-DD nor DD/MM/YYYY'
            when origin_service_id is null and origin_candidates is not null
                then
                    'ambiguous service: origin "' || origin_reference
                    || '" names several directory services (' || origin_candidates
                    || '): give it an alias in service_aliases.csv'
            when origin_service_id is null
                then
                    'unknown service: origin "' || origin_reference
                    || '" is neither a directory id nor a known name or alias'
            when target_service_id is null and target_candidates is not null
                then
                    'ambiguous service: target "' || target_reference
                    || '" names several directory services (' || target_candidates
                    || '): give it an alias in service_aliases.csv'
            when target_service_id is null
                then
                    'unknown service: target "' || target_reference
                    || '" is neither a directory id nor a known name or alias'
            when len(unknown_needs) > 0
                then 'unknown need code: ' || array_to_string(unknown_needs, '|')
            when origin_service_id = target_service_id
                then 'origin = target: a service cannot refer to itself'
            when status = 'unknown' then 'unknown status "' || status_text || '"'
        end as reason
    from resolved
),

-- Same referral seen twice: the target's copy wins, else the latest decision, else the
-- last delivered.
{{ row_outcome_ctes(
    'reasoned',
    ['origin_service_id', 'target_service_id', 'person_key', 'referral_date'],
    ['(exporter_id = target_service_id) desc', 'decision_date desc nulls last',
     'delivered_at desc', 'file desc', 'row_number desc']
) }}

select * from final
