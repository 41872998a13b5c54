{#
    Rounds a double to 2 decimal places and keeps it a double, identically on every
    adapter: the double is read as the decimal of its 15 significant digits (C's
    '%.15g', the digits a double is guaranteed to hold), rounded half away from zero
    in decimal arithmetic, and converted back to the nearest double. So 1.005, stored
    as 1.00499999999999989..., becomes 1.01 everywhere.

    PostgreSQL's float8 to numeric cast is exactly that conversion (it formats with
    '%.*g' and DBL_DIG = 15), and round(numeric, int) rounds half away from zero.
    DuckDB's round(double) would round the binary value (1.005 -> 1.00), and its cast
    from double to a fixed-scale decimal rounds at that scale instead of at 15
    significant digits (474229.4949999999 -> 474229.49 with decimal(38, 10), 474229.50
    on PostgreSQL), so DuckDB formats the same '%.15g' digits with printf. Scale 17
    holds all 15 digits of any value from 0.001 up; smaller values round to 0.00
    either way. Decimal rounding in DuckDB is half away from zero as well.
#}
{% macro round_to_pence(expression) -%}
    {{ return(adapter.dispatch('round_to_pence', 'social_value_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__round_to_pence(expression) -%}
    cast(round(cast(printf('%.15g', {{ expression }}) as decimal(38, 17)), 2) as double precision)
{%- endmacro %}

{% macro postgres__round_to_pence(expression) -%}
    cast(round(cast({{ expression }} as numeric), 2) as double precision)
{%- endmacro %}
