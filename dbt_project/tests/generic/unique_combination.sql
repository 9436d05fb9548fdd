{% test unique_combination(model, columns) %}
{#- The model's grain is the combination of `columns`: no two rows share their values (a null
    counts as a value, as in a group by; test the columns not_null where they never are). -#}
select
    {{ columns | join(', ') }},
    count(*) as rows_with_these_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
