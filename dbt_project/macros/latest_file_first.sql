{#
    The order that puts the latest received file first, for every "the latest file
    wins" rule: received time, then path (byte order), then ledger number, read from
    the relation named. That is a ledger relation (stg_submissions rows) unless
    path_column names where the relation carries the file's original path.
#}
{% macro latest_file_first(relation, path_column='original_path') -%}
    {{ relation }}.received_at desc,
    {{ binary_collation(relation ~ '.' ~ path_column) }} desc,
    {{ relation }}.submission_id desc
{%- endmacro %}
