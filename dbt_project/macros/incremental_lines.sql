{#
    The rules that let the line-level models be built incrementally (README,
    "Incremental builds"). A new file can only supersede lines of the same
    submitter and return identity, so a build recomputes whole returns: every line
    of each return that a new file holds, in every file, replacing those returns'
    rows (delete+insert on return_key). Each incremental model stamps the rows it
    (re)computes with built_at, the start of the dbt invocation, and the next model
    takes the rows of its parent stamped after its own newest stamp: a model that
    failed or was left out of a build catches up at the next one.
#}

{#
    The identity of a delivery return as one non-null string: one sender's report
    for one organisation, contract and period, NULL and '' the same contract. The
    supersession rule partitions by it, and it is the unique_key of the incremental
    line models (dbt's delete+insert compares keys with =, which a NULL
    contract_ref would never match). One to one with the identity: submitter
    folders have no '|', dates one format, and the organisation id is prefixed
    with its length, so no two identities share a key.
#}
{% macro return_key(relation) -%}
    {{ relation }}.submitter
    || '|' || cast({{ relation }}.period_start as varchar)
    || '|' || cast({{ relation }}.period_end as varchar)
    || '|' || cast(length({{ relation }}.organisation_id) as varchar)
    || '|' || {{ relation }}.organisation_id
    || '|' || coalesce({{ relation }}.contract_ref, '')
{%- endmacro %}

{# The stamp of the rows this invocation (re)computes: when it started (UTC). #}
{% macro build_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#
    In an incremental build, the condition that keeps the parent rows whose stamp
    (`parent_stamp`, the parent's built_at) is later than this model's newest row;
    true in a full build. A parent row stamped by the same invocation as this
    model's newest row was already taken: the parent builds first.
#}
{% macro built_since_last_build(parent_stamp) -%}
    {%- if is_incremental() -%}
        {{ parent_stamp }} > (select max(built.built_at) from {{ this }} as built)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#
    A fingerprint of everything a line's valuation reads besides the line: the
    catalogue in force, the crosswalks and local proxies in force, and the district
    code successors (seeds and loaded reference files alike), each row as text.
    Stored on every valued line, so a build that finds it changed (a new edition
    file, a corrected seed) revalues every line instead of only new returns.
#}
{% macro valuation_inputs_fingerprint() -%}
    (
        select md5(string_agg(inputs.row_text, '|' order by inputs.row_text))
        from (
            {%- for name in [
                'int_measure_catalogue', 'int_crosswalks', 'int_local_proxies',
                'int_place_code_successors',
            ] %}
                select '{{ name }}:' || cast(input_row as varchar) as row_text
                from {{ ref(name) }} as input_row
                {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        ) as inputs
    )
{%- endmacro %}
