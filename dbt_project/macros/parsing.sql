{% macro parse_date(column) -%}
    {#- The contract accepts ISO dates and DD/MM/YYYY; anything else is NULL (quarantined). -#}
    coalesce(
        try_strptime(trim({{ column }}), '%Y-%m-%d'),
        try_strptime(trim({{ column }}), '%d/%m/%Y')
    )::date
{%- endmacro %}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro fold(column) -%}
    {#- Case- and accent-insensitive form used to match aliases and vocabulary words. -#}
    lower(strip_accents(trim({{ column }})))
{%- endmacro %}

{% macro split_codes(column) -%}
    list_sort(list_distinct(list_filter(
        list_transform(string_split(coalesce({{ column }}, ''), '|'), code -> lower(trim(code))),
        code -> code <> ''
    )))
{%- endmacro %}

{% macro canonical_status(column) -%}
    {#- Canonical words and DORA's; no status stays NULL (a solicitation, left out of
        acceptance); an unknown word gives 'unknown' (quarantined). -#}
    case
        when nullif(trim({{ column }}), '') is null then null
        else
            case regexp_replace({{ fold(column) }}, '[^a-z]', '', 'g')
                when 'pending' then 'pending'
                when 'accepted' then 'accepted'
                when 'refused' then 'refused'
                when 'expired' then 'expired'
                when 'cancelled' then 'cancelled'
                when 'ouverte' then 'pending'
                when 'validee' then 'accepted'
                when 'refusee' then 'refused'
                when 'expiree' then 'expired'
                when 'moderationencours' then 'pending'
                when 'moderationrejetee' then 'cancelled'
                else 'unknown'
            end
    end
{%- endmacro %}

{% macro needs_match(left, right) -%}
    {#- Two need codes match when equal or one is the other's family (part before "--"). -#}
    ({{ left }} = {{ right }}
        or split_part({{ left }}, '--', 1) = {{ right }}
        or {{ left }} = split_part({{ right }}, '--', 1))
{%- endmacro %}

{% macro commune_code(column) -%}
    {#- A 4-digit code lost its leading zero in a spreadsheet: 1053 is 01053. -#}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{4}') then '0' || trim({{ column }})
        else {{ clean_text(column) }}
    end
{%- endmacro %}
