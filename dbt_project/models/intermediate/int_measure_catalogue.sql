{#
    The catalogue in force: the current version of every edition (see
    int_measure_editions). ingest's landing.known_measures, which the gate checks
    returns against before dbt runs, is the same rule: the highest version wins.
#}

with

editions as (

    select * from {{ ref('int_measure_editions') }}

),

final as (

    select
        edition,
        measure_code,
        theme,
        outcome,
        description,
        unit,
        proxy_value_gbp,
        value_type,
        excludes,
        is_illustrative,
        source,
        licence,
        edition_version,
        edition_submission_id

    from editions

    where is_current_version

)

select * from final
