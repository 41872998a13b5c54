{#
    One row per line and UK financial year (1 April to 31 March) that its period
    touches. A period spanning several years is apportioned by days, both ends
    inclusive: share = days of the period inside the year / days of the period.
#}

with

valued as (

    select * from {{ ref('int_return_lines_valued') }}

),

bounded as (

    select
        *,
        {{ financial_year_start_year('period_start') }} as first_financial_year,
        {{ financial_year_start_year('period_end') }} as last_financial_year

    from valued

),

spanned as (

    select
        bounded.*,
        years.financial_year_start_year

    from bounded

    -- generate_series as a lateral table function is understood by both DuckDB
    -- and PostgreSQL, and needs no calendar table with a hard-coded range
    cross join lateral generate_series(
        bounded.first_financial_year,
        bounded.last_financial_year
    ) as years (financial_year_start_year)

),

overlapping as (

    select
        *,
        {{ financial_year_label('financial_year_start_year') }} as financial_year,
        {{ financial_year_start_date('financial_year_start_year') }}
            as financial_year_start,
        {{ financial_year_end_date('financial_year_start_year') }}
            as financial_year_end

    from spanned

),

apportioned as (

    select
        line_id,
        submission_id,
        source_row,
        submitter,
        organisation_id,
        sector,
        contract_ref,
        period_start,
        period_end,
        measure_code,
        edition,
        theme,
        outcome,
        place_code,
        financial_year,
        financial_year_start,
        financial_year_end,
        -- date minus date is a day count in both DuckDB and PostgreSQL
        (
            least(period_end, financial_year_end)
            - greatest(period_start, financial_year_start)
        ) + 1 as days_in_financial_year,
        (period_end - period_start) + 1 as days_in_period,
        quantity,
        is_illustrative,
        social_value_gbp

    from overlapping

),

final as (

    select
        *,
        cast(days_in_financial_year as double precision)
        / days_in_period as financial_year_share,
        -- multiply before dividing, so a single-year line keeps its value exactly
        quantity * days_in_financial_year / days_in_period as apportioned_quantity,
        social_value_gbp
        * days_in_financial_year
        / days_in_period as apportioned_social_value_gbp

    from apportioned

)

select * from final
