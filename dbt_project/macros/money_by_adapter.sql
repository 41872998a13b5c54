{#
    The adapter-specific parts of the money rules (money.sql): each the same value
    on every adapter, spelled as that adapter needs. Kept apart from money.sql so
    that sqlfluff, which has no adapter, lints the callers through the defaults.
#}

{#
    A double from a raw table as the decimal(38, 10) of its 15 significant digits
    (C's '%.15g', the digits a double is guaranteed to hold), so the 0.1 a sender
    typed is 0.1 exactly, identically on every adapter. PostgreSQL's float8 to
    numeric cast is exactly that conversion (it formats with '%.*g' and DBL_DIG =
    15); DuckDB's own double to decimal cast rounds the binary value at the scale
    instead, so DuckDB formats the same digits with printf. The cast to scale 10
    rounds half away from zero on both.
#}
{% macro decimal_from_double(expression) -%}
    {{ return(adapter.dispatch('decimal_from_double', 'social_value_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__decimal_from_double(expression) -%}
    cast(printf('%.15g', {{ expression }}) as decimal(38, 10))
{%- endmacro %}

{% macro postgres__decimal_from_double(expression) -%}
    cast(cast({{ expression }} as numeric) as decimal(38, 10))
{%- endmacro %}

{# The widest exact whole-number type: HUGEINT (128 bits) on DuckDB, numeric elsewhere. #}
{% macro whole_number_type() -%}
    {{ return(adapter.dispatch('whole_number_type', 'social_value_warehouse')()) }}
{%- endmacro %}

{% macro default__whole_number_type() -%}
    hugeint
{%- endmacro %}

{% macro postgres__whole_number_type() -%}
    numeric
{%- endmacro %}

{# Whole-number division of non-negative whole numbers (the quotient, truncated). #}
{% macro whole_division(numerator, denominator) -%}
    {{ return(adapter.dispatch('whole_division', 'social_value_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__whole_division(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro postgres__whole_division(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}
