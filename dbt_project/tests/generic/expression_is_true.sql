{#
    Fails on every row where the boolean expression is false. A NULL result passes,
    as in dbt_utils: missing values are the not_null test's business.
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
