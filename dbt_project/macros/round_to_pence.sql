{#
    Rounds a double to 2 decimal places and keeps it a double, on every adapter.
    PostgreSQL has round(numeric, int) only, so it goes through numeric there; on
    DuckDB a cast to numeric would mean DECIMAL(18,3) and round twice, so it rounds
    the double directly.
#}
{% macro round_to_pence(expression) -%}
    {{ return(adapter.dispatch('round_to_pence', 'social_value_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__round_to_pence(expression) -%}
    round({{ expression }}, 2)
{%- endmacro %}

{% macro postgres__round_to_pence(expression) -%}
    cast(round(cast({{ expression }} as numeric), 2) as double precision)
{%- endmacro %}
