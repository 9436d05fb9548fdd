{#-
    Incremental builds by month (docs/decisions.md, "Incremental builds"). Every fact is
    month-local: a row's outcome, a referral's identity and a fact's territory depend only on
    rows of its own month and on the reference tables (a support's identity also on the other
    rows of its exporter's support_id, which int_increment_months follows). So a build that
    is not a full refresh rebuilds exactly the months of int_increment_months: their rows
    are deleted and selected again, whole, from the layer below. A change of the reference
    tables or of the project makes the orchestration ask for a full refresh instead.
-#}

{#- The rows of a build that is not a full refresh: those of the months rebuilt, and for a
    model of rows read, the rows without a month of the files loaded since the last build
    (they are quarantined, and depend on nothing else). -#}
{% macro in_increment(rows_read=false) -%}
    month in (select month from {{ ref('int_increment_months') }})
    {%- if rows_read %}
        or (month is null and file in (select file from {{ ref('int_increment_files') }}))
    {%- endif %}
{%- endmacro %}

{#- The strategy `replace_months`: the months rebuilt are deleted, then the rows selected
    for them inserted, in the model's one transaction. Unlike delete+insert, a month whose
    rows all went (a re-delivery that supersedes them) is emptied too. -#}
{% macro get_incremental_replace_months_sql(arg_dict) -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set quoted = get_quoted_csv(columns) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_increment(rows_read='file' in columns) }};

    insert into {{ arg_dict['target_relation'] }} ({{ quoted }})
    select {{ quoted }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
