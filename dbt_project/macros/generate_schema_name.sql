{#
    Custom schemas are used verbatim (reference, staging, intermediate, marts) rather
    than dbt's default "<target_schema>_<custom>": the ingestion code and BI tools
    address these schemas by name, whichever target built them.

    The marts may be built under another name (SVW_DBT_MARTS_SCHEMA): on PostgreSQL,
    BI tools read schema marts while dbt builds the next version into marts_build,
    which serving/postgres_schema.py then swaps in whole.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {{ env_var('SVW_DBT_MARTS_SCHEMA', 'marts') }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
