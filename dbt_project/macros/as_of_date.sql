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
    The part of an amount (an exact decimal) due by the end of as_of_date over a
    period (dates, both ends inclusive), pro rata to the days elapsed: nothing before
    the period starts, all of it once it has ended; exact to scale 10 (divide_exactly).
#}
{% macro elapsed_part(amount, period_start, period_end) -%}
    {{ divide_exactly(
        amount ~ ' * greatest(0, least(' ~ as_of_date() ~ ', ' ~ period_end ~ ') - '
        ~ period_start ~ ' + 1)',
        '(' ~ period_end ~ ' - ' ~ period_start ~ ' + 1)'
    ) }}
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
