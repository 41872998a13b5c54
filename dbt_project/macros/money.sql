{#
    Money and quantities are exact decimals, with the same types and values on every
    adapter:

    - decimal(38, 10) for everything unrounded: quantities, proxies, crosswalk
      factors, line values, apportioned values, shares of a period (exact_decimal);
    - decimal(18, 2) for pounds rounded to pence, once, after totalling
      (round_to_pence), and for percentages shown to two places.

    Values enter as decimals in staging (decimal_from_double, in
    money_by_adapter.sql: raw tables hold the sender's numbers as doubles), so a
    line's value is an exact decimal product and a sum of values is an exact
    decimal sum: no total prints 1653373.0899999999.
    Products are cast back to scale 10 after each multiplication (DuckDB adds the
    scales, and decimal(38, 30) would hold only 8 whole digits). Divisions go
    through divide_exactly, because DuckDB divides decimals as doubles.
#}

{% macro exact_decimal(expression) -%}
    cast({{ expression }} as decimal(38, 10))
{%- endmacro %}

{#
    Rounds an exact decimal to pence, half away from zero (both engines round
    decimals that way), as decimal(18, 2).
#}
{% macro round_to_pence(expression) -%}
    cast(round({{ exact_decimal(expression) }}, 2) as decimal(18, 2))
{%- endmacro %}

{#
    part as a percentage of whole, exact and rounded to two places once, as
    decimal(18, 2); NULL unless whole is above zero.
#}
{% macro percent_of(part, whole) -%}
    {{ round_to_pence(divide_exactly(
        '100 * ' ~ part, 'case when ' ~ whole ~ ' > 0 then ' ~ whole ~ ' end'
    )) }}
{%- endmacro %}

{#
    numerator / denominator as decimal(38, 10), rounded half away from zero at the
    tenth decimal place from the exact quotient, identically on every adapter.
    DuckDB divides decimals as doubles, and PostgreSQL rounds a numeric quotient at
    a scale of its own choosing before any cast, so the quotient is taken here in
    whole numbers: both operands are scaled to integers (x 10^10), the numerator by
    10^10 more, and q = (2|n| + |d|) div 2|d| is |n / d| rounded half up. Exact for
    operands below about 10^17. NULL when either operand is NULL; the caller guards
    a zero denominator (nullif).
#}
{% macro divide_exactly(numerator, denominator) -%}
    {%- set n = 'cast(' ~ exact_decimal(numerator) ~ ' * 10000000000 as ' ~ whole_number_type() ~ ')' -%}
    {%- set d = 'cast(' ~ exact_decimal(denominator) ~ ' * 10000000000 as ' ~ whole_number_type() ~ ')' -%}
    cast(
        cast(
            sign({{ n }}) * sign({{ d }})
            * {{ whole_division(
                '2 * abs(' ~ n ~ ') * 10000000000 + abs(' ~ d ~ ')',
                '2 * abs(' ~ d ~ ')'
            ) }}
            as decimal(38, 0)
        )
        * cast(0.0000000001 as decimal(38, 10))
        as decimal(38, 10)
    )
{%- endmacro %}
