{#
    Current delivered lines valued with the catalogue (the value_lines macro holds the
    rule, so every kind of line is valued alike).

    Incremental (macros/incremental_lines.sql): a build values the lines of the
    returns int_return_lines_history recomputed since this model's last build,
    replacing those returns' rows (their superseded lines go); every line when the
    valuation's inputs (catalogue, crosswalks, local proxies, district successors)
    differ from those the table was valued with.
#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='return_key',
    on_schema_change='fail',
) }}

-- depends_on: {{ ref('int_measure_catalogue') }}
-- depends_on: {{ ref('int_crosswalks') }}
-- depends_on: {{ ref('int_local_proxies') }}
-- depends_on: {{ ref('int_place_code_successors') }}

with

inputs as (

    select {{ valuation_inputs_fingerprint() }} as valuation_inputs

),

current_lines as (

    select * from {{ ref('int_return_lines_current') }}

    {% if not valuation_inputs_changed() %}
        where {{ built_since_last_build('history_built_at') }}
    {% endif %}

),

valued as (

    {{ value_lines('current_lines') }}

),

final as (

    select
        valued.*,
        inputs.valuation_inputs,
        {{ build_stamp() }} as built_at

    from valued

    cross join inputs

)

select * from final
