{#
    One row per current valued line and UK financial year that its period touches,
    apportioned by days (the apportion_by_financial_year macro holds the rule, so
    commitments are apportioned alike). Every column of the valued line is carried
    on, so line attributes are never listed here.

    Incremental (macros/incremental_lines.sql): a build apportions the lines of the
    returns int_return_lines_valued (re)valued since this model's last build,
    replacing those returns' rows; they keep the valued line's built_at.
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

    {{ apportion_by_financial_year('valued', ['quantity', 'valued_quantity', 'social_value_gbp']) }}

)

select * from final
