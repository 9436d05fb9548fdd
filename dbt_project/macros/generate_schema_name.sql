{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Analysts query staging.*, intermediate.*, marts.*: no target prefix. -#}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
