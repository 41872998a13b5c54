{#
    One row per line and UK financial year (1 April to 31 March) that its period
    touches: the one apportionment rule, shared by delivered lines and commitments.
    `lines` is a CTE or relation with period_start and period_end (dates); every
    column of it is kept. A period spanning several years is apportioned by days,
    both ends inclusive: share = days of the period inside the year / days of the
    period. Each column named in `amounts` gets an apportioned_<column>: its value
    times the share, multiplied before dividing so that a single-year line keeps its
    value exactly; a decimal(38, 10) rounded at its tenth decimal place
    (divide_exactly), like the share itself.
#}
{% macro apportion_by_financial_year(lines, amounts) -%}
    select
        apportioned.*,
        {{ divide_exactly(
            'apportioned.days_in_financial_year', 'apportioned.days_in_period'
        ) }} as financial_year_share
        {%- for amount in amounts %},
            {{ divide_exactly(
                'apportioned.' ~ amount ~ ' * apportioned.days_in_financial_year',
                'apportioned.days_in_period'
            ) }} as apportioned_{{ amount }}
        {%- endfor %}

    from (

        select
            overlapping.*,
            -- date minus date is a day count in both DuckDB and PostgreSQL
            (
                least(overlapping.period_end, overlapping.financial_year_end)
                - greatest(overlapping.period_start, overlapping.financial_year_start)
            ) + 1 as days_in_financial_year,
            (overlapping.period_end - overlapping.period_start) + 1 as days_in_period

        from (

            select
                {{ lines }}.*,
                {{ financial_year_label('years.financial_year_start_year') }}
                    as financial_year,
                {{ financial_year_start_date('years.financial_year_start_year') }}
                    as financial_year_start,
                {{ financial_year_end_date('years.financial_year_start_year') }}
                    as financial_year_end

            from {{ lines }}

            -- generate_series as a lateral table function is understood by both
            -- DuckDB and PostgreSQL, and needs no calendar table with a hard-coded range
            cross join lateral generate_series(
                {{ financial_year_start_year(lines ~ '.period_start') }},
                {{ financial_year_start_year(lines ~ '.period_end') }}
            ) as years (financial_year_start_year)

        ) as overlapping

    ) as apportioned
{%- endmacro %}
