{% macro row_outcome_ctes(reasoned, duplicate_key, preference) -%}
{#-
    The accounting shared by every kind of landing row (see docs/decisions.md): a row without
    a month is quarantined; a row of an (exporter, series, month) that a later file of the
    same series re-delivered is superseded; a row with another problem (`reason`) is quarantined; among the remaining
    copies of one record (`duplicate_key`, a list of columns), the first by `preference` (a list
    of order terms) is loaded, the others
    merged. Emits the CTEs `latest_delivery`, `outcomes` and `final`.
-#}
latest_delivery as (
    -- Per (exporter, series, month), the last delivered file holding rows of that month
    -- replaces every earlier file's rows of that month in that series (a service's sent and
    -- received exports are two series: neither replaces the other).
    select
        exporter_id,
        series,
        month,
        arg_max(file, (delivered_at, file)) as file
    from {{ reasoned }}
    where month is not null
    group by exporter_id, series, month
),

outcomes as (
    select
        {{ reasoned }}.*,
        case
            when {{ reasoned }}.month is null then 'quarantined'
            when latest_delivery.file != {{ reasoned }}.file then 'superseded'
            when {{ reasoned }}.reason is not null then 'quarantined'
        end as early_outcome
    from {{ reasoned }}
    left join latest_delivery
        on
            {{ reasoned }}.exporter_id = latest_delivery.exporter_id
            and {{ reasoned }}.series = latest_delivery.series
            and {{ reasoned }}.month = latest_delivery.month
),

final as (
    select
        *,
        case
            when early_outcome is not null then early_outcome
            when row_number() over (
                partition by early_outcome, {{ duplicate_key | join(', ') }}
                order by {{ preference | join(', ') }}
            ) = 1 then 'loaded'
            else 'merged'
        end as outcome
    from outcomes
)
{%- endmacro %}
