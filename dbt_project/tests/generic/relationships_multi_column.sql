{#
    Like dbt's relationships test, but for a composite key: a measure is identified by
    (edition, measure_code), never by its code alone, because proxy values change
    between editions. Child rows with any key column NULL are not checked, as in the
    single-column test.
#}
{% test relationships_multi_column(model, columns, to, to_columns) %}

with

child as (

    select {{ columns | join(', ') }}
    from {{ model }}
    where
        {% for column in columns -%}
            {{ column }} is not null{% if not loop.last %} and {% endif %}
        {%- endfor %}

),

parent as (

    select {{ to_columns | join(', ') }}
    from {{ to }}

)

select child.*
from child
left join parent
    on
    {% for i in range(columns | length) -%}
        child.{{ columns[i] }} = parent.{{ to_columns[i] }}
        {%- if not loop.last %} and {% endif %}
    {% endfor %}
where parent.{{ to_columns[0] }} is null

{% endtest %}
