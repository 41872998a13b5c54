{#
    Custom schemas are used verbatim (reference, staging, intermediate, marts) rather
    than dbt's default "<target_schema>_<custom>": the ingestion code and BI tools
    address these schemas by name, whichever target built them.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
