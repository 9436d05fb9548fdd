{% test key(model, columns) %}
{#- The model's grain: no row has a null in `columns`, and no two rows share their values. -#}
with

keys as (
    select {{ columns | join(', ') }}
    from {{ model }}
)

select
    {{ columns | join(', ') }},
    'null in the key' as problem
from keys
where {{ columns | join(' is null or ') }} is null

union all

select
    {{ columns | join(', ') }},
    'key given ' || count(*) || ' times' as problem
from keys
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
