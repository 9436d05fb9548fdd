{% test key(model, columns, nullable=[]) %}
{#- The model's grain: no two rows share their values of `columns` (a null counts as a value,
    as in a group by), and none has a null in a column of `columns` not listed `nullable`. -#}
{%- set required = columns | reject('in', nullable) | list %}
with

keys as (
    select {{ columns | join(', ') }}
    from {{ model }}
)

{% if required -%}
select
    {{ columns | join(', ') }},
    'null in the key' as problem
from keys
where {{ required | join(' is null or ') }} is null

union all

{% endif -%}
select
    {{ columns | join(', ') }},
    'key given ' || count(*) || ' times' as problem
from keys
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
