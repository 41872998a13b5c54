{#
    dbt's not_null test for many columns of one model at once: one scan, one test.
    A column-level not_null is its own query, its own dbt node and its own Dagster
    asset check (two events); 230 of them cost about 30 s of every run whatever the
    data size (docs/benchmarks.md). Fails with a row per column that holds NULLs,
    naming the column and how many rows.
#}
{% test not_null_columns(model, column_names) %}

with

null_counts as (

    select
        {% for column in column_names -%}
            count(*) - count({{ column }}) as nulls_{{ loop.index }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ model }}

)

{% for column in column_names -%}
    select
        '{{ column }}' as null_column,
        nulls_{{ loop.index }} as null_rows
    from null_counts
    where nulls_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
{% endfor %}

{% endtest %}
