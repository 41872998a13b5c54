{#
    The date "to date" figures are measured at (contract progress, months elapsed,
    the straight-line expectation): the dbt var as_of_date (YYYY-MM-DD) when set, as
    the tests set it, else the day of the build.
#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

{#
    The share of a period (dates, both ends inclusive) that has elapsed by the end of
    as_of_date: 0 before it starts, 1 once it has ended.
#}
{% macro elapsed_share(period_start, period_end) -%}
    (
        cast(
            greatest(
                0,
                least({{ as_of_date() }}, {{ period_end }}) - {{ period_start }} + 1
            ) as double precision
        )
        / ({{ period_end }} - {{ period_start }} + 1)
    )
{%- endmacro %}

{#
    Whole calendar months from one date to a later one (2024-04-01 to 2025-04-01 is
    12; to 2025-03-31 it is 11), in SQL both engines accept.
#}
{% macro whole_months(from_date, to_date) -%}
    cast(
        (extract(year from {{ to_date }}) - extract(year from {{ from_date }})) * 12
        + extract(month from {{ to_date }}) - extract(month from {{ from_date }})
        - case
            when extract(day from {{ to_date }}) < extract(day from {{ from_date }}) then 1
            else 0
        end
        as integer
    )
{%- endmacro %}
