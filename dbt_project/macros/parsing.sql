{% macro parse_date(column) -%}
    {#- The contract's date formats (var contract.date_formats, tried in order); anything else
        is NULL (quarantined). -#}
    coalesce(
    {%- for format in var('contract')['date_formats'] %}
        try_strptime(trim({{ column }}), '{{ format }}'){{ ',' if not loop.last }}
    {%- endfor %}
    )::date
{%- endmacro %}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro fold(column) -%}
    {#- The form in which aliases, names and vocabulary words are compared: no case, no
        accents, nothing but letters and digits (so ' and ’ are the same), as the Python
        side's normalise_header. -#}
    regexp_replace(lower(strip_accents(trim({{ column }}))), '[^a-z0-9]', '', 'g')
{%- endmacro %}

{% macro split_codes(column) -%}
    list_sort(list_distinct(list_filter(
        list_transform(string_split(coalesce({{ column }}, ''), '|'), code -> lower(trim(code))),
        code -> code <> ''
    )))
{%- endmacro %}

{% macro canonical_status(column) -%}
    {#- The contract's status words (var contract.status_words: canonical words, DORA's codes
        and labels); no status stays NULL (a solicitation, left out of acceptance); an unknown
        word gives 'unknown' (quarantined). -#}
    case
        when nullif(trim({{ column }}), '') is null then null
        else
            case {{ fold(column) }}
            {%- for word, status in var('contract')['status_words'].items() %}
                when '{{ word }}' then '{{ status }}'
            {%- endfor %}
                else 'unknown'
            end
    end
{%- endmacro %}

{% macro contract_values(name) -%}
    {#- A list of the contract's vocabulary (var contract.<name>) as SQL literals. -#}
    {%- for value in var('contract')[name] -%}
        '{{ value }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{% macro needs_match(left, right) -%}
    {#- Two need codes match when equal or one is the other's family (part before "--"). -#}
    ({{ left }} = {{ right }}
        or split_part({{ left }}, '--', 1) = {{ right }}
        or {{ left }} = split_part({{ right }}, '--', 1))
{%- endmacro %}

{% macro five_digit_code(column) -%}
    {#- A commune code or a postcode as a spreadsheet may have turned it into a number:
        1053 and 1053.0 are 01053, 59350.0 is 59350; other values are kept as written. -#}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{4,5}(\.0+)?')
            then lpad(split_part(trim({{ column }}), '.', 1), 5, '0')
        else {{ clean_text(column) }}
    end
{%- endmacro %}

{% macro placed_territory(person, postcode, fallback) -%}
    {#- The territory rule (data-contract.md): the person's commune when it is a known COG
        commune (`person`: a join on int_communes_rolled_up), else what the communes of the
        person's postcode agree on (`postcode`: a join on int_postcodes_located), else the
        commune of `fallback` (the origin or mobilising service, rolled up). Emits
        territory_commune, territory_departement, territory_region and territory_basis. -#}
    {%- set levels = [('territory_commune', 'territory_commune', 'territory_commune'),
                      ('departement', 'departement', 'territory_departement'),
                      ('region', 'region', 'territory_region')] -%}
    {%- for commune_column, postcode_column, name in levels %}
        case
            when {{ person }}.commune is not null then {{ person }}.{{ commune_column }}
            when {{ postcode }}.postcode is not null then {{ postcode }}.{{ postcode_column }}
            else {{ fallback }}.{{ commune_column }}
        end as {{ name }},
    {%- endfor %}
        case
            when {{ person }}.commune is not null then 'person_commune'
            when {{ postcode }}.postcode is not null then {{ postcode }}.territory_basis
            else 'origin_service'
        end as territory_basis
{%- endmacro %}
