{#
    UK financial year: 1 April to 31 March, labelled by its two calendar years,
    e.g. 2024-04-01..2025-03-31 is '2024-25' and 1999-04-01..2000-03-31 is '1999-00'.

    These macros emit plain SQL that DuckDB and PostgreSQL both accept (extract,
    make_date, right, ||), so no adapter.dispatch is needed; add a dispatched
    variant here if another adapter lacks make_date.
#}

{% macro financial_year_start_year(date_expr) -%}
    (
        cast(extract(year from {{ date_expr }}) as integer)
        - case when extract(month from {{ date_expr }}) < 4 then 1 else 0 end
    )
{%- endmacro %}

{% macro financial_year_start_date(start_year_expr) -%}
    make_date({{ start_year_expr }}, 4, 1)
{%- endmacro %}

{% macro financial_year_end_date(start_year_expr) -%}
    make_date({{ start_year_expr }} + 1, 3, 31)
{%- endmacro %}

{% macro financial_year_label(start_year_expr) -%}
    cast(
        cast({{ start_year_expr }} as varchar)
        || '-'
        || right(cast({{ start_year_expr }} + 1 as varchar), 2)
        as varchar
    )
{%- endmacro %}
