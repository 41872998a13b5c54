{#
    Byte-order (code point) comparison of a string, whatever the database's default
    collation. The received order of files breaks ties on original_path, and a
    locale collation (PostgreSQL's en_US.UTF-8, say) would order some paths
    differently from DuckDB and from the Python ingestion.
#}
{% macro binary_collation(expression) -%}
    {{ return(adapter.dispatch('binary_collation', 'social_value_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__binary_collation(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_collation(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
