{{ config(materialized='incremental', incremental_strategy='replace_months',
          on_schema_change='fail') }}
-- depends_on: {{ ref('int_increment_months') }}, {{ ref('int_increment_files') }}
-- Every support row read, with its outcome (same accounting as referral rows). Duplicates are
-- rows of one exporter with the same support_id; the last delivered is kept.
with

rows as (
    select * from {{ ref('stg_landing__support_rows') }}
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

resolved as (
    select
        rows.*,
        files.series,
        files.delivered_at,
        coalesce(direct.service_id, own.service_id, any_exporter.service_id) as service_id,
        coalesce(own.candidates, any_exporter.candidates) as service_candidates
    from rows
    inner join files on rows.file = files.file
    left join services as direct on rows.service_reference = direct.service_id
    left join service_references as own
        on
            rows.exporter_id = own.scope
            and {{ fold('rows.service_reference') }} = own.reference
    left join service_references as any_exporter
        on
            any_exporter.scope = '*'
            and {{ fold('rows.service_reference') }} = any_exporter.reference
),

reasoned as (
    select
        *,
        case
            when support_id is null then 'missing required value: support_id'
            when support_date_text is null then 'missing required value: support_date'
            when service_reference is null then 'missing required value: service_id'
            when person_key is null then 'missing required value: person_id'
            when supporter_kind is null then 'missing required value: supporter_kind'
            when supporter_key is null then 'missing required value: supporter_id'
            when support_date is null
                then
                    'bad date: support_date "' || support_date_text
                    || '" is neither YYYY-MM-DD nor DD/MM/YYYY'
            when service_id is null and service_candidates is not null
                then
                    'ambiguous service: "' || service_reference
                    || '" names several directory services (' || service_candidates
                    || '): give it an alias in service_aliases.csv'
            when service_id is null
                then
                    'unknown service: "' || service_reference
                    || '" is neither a directory id nor a known name or alias'
            when supporter_kind not in (
                {{ contract_values('supporter_kinds') }}
            ) then 'unknown supporter_kind "' || supporter_kind || '"'
        end as reason
    from resolved
),

{{ row_outcome_ctes(
    'reasoned',
    ['exporter_id', 'support_id'],
    ['delivered_at desc', 'file desc', 'row_number desc']
) }}

select * from final
