{#
    The order that puts the latest received file first, for "the latest file wins"
    rules: received time, then path (byte order), then ledger number, read from
    the ledger relation named (stg_submissions rows).
#}
{% macro latest_file_first(ledger) -%}
    {{ ledger }}.received_at desc,
    {{ binary_collation(ledger ~ '.original_path') }} desc,
    {{ ledger }}.submission_id desc
{%- endmacro %}
