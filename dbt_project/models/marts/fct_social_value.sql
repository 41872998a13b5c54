{#
    One row per current line, valued. Incremental (macros/incremental_lines.sql):
    a build copies the lines int_return_lines_valued (re)valued since this table's
    last build, replacing their returns' rows. On PostgreSQL the marts are built
    into a fresh schema every run (serving swaps it in), so there it is built whole.
#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='return_key',
    on_schema_change='fail',
) }}

with

valued as (

    select * from {{ ref('int_return_lines_valued') }}

    where {{ built_since_last_build('built_at') }}

),

final as (

    select
        line_id,
        submission_id,
        source_row,
        submitter,
        source_file,
        final_location,
        organisation_id,
        organisation_name,
        sector,
        contract_ref,
        period_start,
        period_end,
        valued_measure_code as measure_code,
        valued_edition as edition,
        edition_version,
        edition_submission_id,
        measure_code as submitted_measure_code,
        edition as submitted_framework,
        crosswalk_submission_id,
        crosswalk_source_row,
        {{ exact_decimal('crosswalk_factor') }} as crosswalk_factor,
        theme,
        outcome,
        {{ exact_decimal('quantity') }} as quantity,
        {{ exact_decimal('valued_quantity') }} as valued_quantity,
        unit,
        {{ exact_decimal('proxy_value_gbp') }} as proxy_value_gbp,
        is_illustrative,
        valuation_status,
        {{ exact_decimal('social_value_gbp') }} as social_value_gbp,
        submitted_place_code,
        place_code,
        evidence,
        return_key,
        built_at

    from valued

)

select * from final
