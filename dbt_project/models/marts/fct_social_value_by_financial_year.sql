{#
    One row per current line and UK financial year its period touches: the line's
    share of that year and its quantity and value apportioned to it (the
    apportion_by_financial_year rule), so every total of fct_place_totals (and of
    the other year-based marts) can be rebuilt from lines: group these rows, sum
    apportioned_social_value_gbp unrounded, round to pence once. Amounts stay
    unrounded here (decimal(38, 10)); lines not valued keep their rows with NULL
    pounds, as in fct_social_value.

    Incremental, as fct_social_value: a build copies the rows of the lines
    int_return_lines_by_financial_year apportioned since this table's last build.
#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='return_key',
    on_schema_change='fail',
) }}

with

apportioned as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

    where {{ built_since_last_build('built_at') }}

),

final as (

    select
        line_id,
        submission_id,
        source_row,
        submitter,
        organisation_id,
        sector,
        place_code,
        valued_measure_code as measure_code,
        valued_edition as edition,
        theme,
        valuation_status,
        period_start,
        period_end,
        financial_year,
        financial_year_start,
        financial_year_end,
        -- a day count is bigint on DuckDB, integer on PostgreSQL: one type for BI
        cast(days_in_financial_year as integer) as days_in_financial_year,
        cast(days_in_period as integer) as days_in_period,
        {{ exact_decimal('financial_year_share') }} as financial_year_share,
        {{ exact_decimal('apportioned_quantity') }} as apportioned_quantity,
        {{ exact_decimal('apportioned_valued_quantity') }} as apportioned_valued_quantity,
        {{ exact_decimal('apportioned_social_value_gbp') }} as apportioned_social_value_gbp,
        is_illustrative,
        return_key,
        built_at

    from apportioned

)

select * from final
