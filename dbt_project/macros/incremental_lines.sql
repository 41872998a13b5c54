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
    The rows of a new file's returns, in every file: `lines` and `returns` (the
    returns new files hold) are joined on the return identity, which is the same
    as return_key's. A join on the columns, not on the key: the database then skips
    the files that hold none of those returns instead of building every line's key.
#}
{% macro same_return(lines, returns) -%}
    {{ lines }}.submitter = {{ returns }}.submitter
    and {{ lines }}.organisation_id = {{ returns }}.organisation_id
    and coalesce({{ lines }}.contract_ref, '') = coalesce({{ returns }}.contract_ref, '')
    and {{ lines }}.period_start = {{ returns }}.period_start
    and {{ lines }}.period_end = {{ returns }}.period_end
{%- endmacro %}

{#
    In an incremental build, the condition that keeps the parent rows whose stamp
    (`parent_stamp`, the parent's built_at) is later than this model's newest row;
    true in a full build, or when this model is empty. A parent row stamped by the
    same invocation as this model's newest row was already taken: the parent
    builds first. The newest stamp is read before the model's query and written
    into it as a literal, so both engines skip the older rows as they scan.
#}
{% macro built_since_last_build(parent_stamp) -%}
    {%- set newest = none -%}
    {%- if is_incremental() and execute -%}
        {%- set newest = run_query(
            'select max(built.built_at) from ' ~ this ~ ' as built'
        ).columns[0].values()[0] -%}
    {%- endif -%}
    {%- if newest is none -%}
        true
    {%- else -%}
        {{ parent_stamp }} > cast('{{ newest.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
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

{#
    In an incremental build of int_return_lines_valued, whether the valuation's
    inputs differ from those its rows were valued with (every row holds the same
    fingerprint, so any one will do); false in a full build.
#}
{% macro valuation_inputs_changed() -%}
    {%- if not (is_incremental() and execute) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query(
        'select ' ~ valuation_inputs_fingerprint() ~ ' as current_inputs, (select '
        ~ 'built.valuation_inputs from ' ~ this ~ ' as built limit 1) as built_inputs'
    ) -%}
    {{ return(found.columns[0].values()[0] != found.columns[1].values()[0]) }}
{%- endmacro %}
