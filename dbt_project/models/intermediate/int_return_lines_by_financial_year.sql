{#
    One row per line and UK financial year (1 April to 31 March) that its period
    touches. A period spanning several years is apportioned by days, both ends
    inclusive: share = days of the period inside the year / days of the period.
    Every column of the valued line is carried on (select *), so line attributes are
    never listed here.
#}

with

valued as (

    select * from {{ ref('int_return_lines_valued') }}

),

overlapping as (

    select
        valued.*,
        {{ financial_year_label('years.financial_year_start_year') }} as financial_year,
        {{ financial_year_start_date('years.financial_year_start_year') }}
            as financial_year_start,
        {{ financial_year_end_date('years.financial_year_start_year') }}
            as financial_year_end

    from valued

    -- generate_series as a lateral table function is understood by both DuckDB
    -- and PostgreSQL, and needs no calendar table with a hard-coded range
    cross join lateral generate_series(
        {{ financial_year_start_year('valued.period_start') }},
        {{ financial_year_start_year('valued.period_end') }}
    ) as years (financial_year_start_year)

),

apportioned as (

    select
        *,
        -- date minus date is a day count in both DuckDB and PostgreSQL
        (
            least(period_end, financial_year_end)
            - greatest(period_start, financial_year_start)
        ) + 1 as days_in_financial_year,
        (period_end - period_start) + 1 as days_in_period

    from overlapping

),

final as (

    select
        *,
        cast(days_in_financial_year as double precision)
        / days_in_period as financial_year_share,
        -- multiply before dividing, so a single-year line keeps its value exactly
        quantity * days_in_financial_year / days_in_period as apportioned_quantity,
        valued_quantity
        * days_in_financial_year
        / days_in_period as apportioned_valued_quantity,
        social_value_gbp
        * days_in_financial_year
        / days_in_period as apportioned_social_value_gbp

    from apportioned

)

select * from final
