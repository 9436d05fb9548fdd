{% test in_contract(model, column_name, vocabulary, exclude=[]) %}
{#- The column's values are words of the contract's vocabulary (var contract.<vocabulary>,
    a list or the keys of a mapping), except those in `exclude`; nulls pass. -#}
{%- set allowed = var('contract')[vocabulary] | reject('in', exclude) | list %}

select {{ column_name }} as value
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for value in allowed %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor -%}
    )

{% endtest %}
