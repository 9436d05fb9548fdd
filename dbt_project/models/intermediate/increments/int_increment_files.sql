-- The files loaded since the last successful build of the warehouse (every file when the
-- orchestration asks for a full build: the var `loaded_after` is then not set).
with

files as (
    select * from {{ ref('stg_landing__files') }}
),

final as (
    select
        file,
        kind
    from files
    {% if var('loaded_after', none) is not none %}
        where ingested_at > cast('{{ var("loaded_after") }}' as timestamp)
    {% endif %}
)

select * from final
