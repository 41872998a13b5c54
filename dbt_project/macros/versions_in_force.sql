{#
    Rows of loaded versioned reference files (catalogue editions, crosswalks, local
    proxies), each flagged is_current_version when its file's version is the highest
    of its key (an edition, a crosswalk family). Versions are numbered at load
    (ingest/raw_tables.py), so the highest is the latest loaded; the ledger, not the
    presence of rows, decides which files count.
#}
{% macro versions_in_force(rows, version, key) -%}
    select
        {{ rows }}.*,
        {{ rows }}.{{ version }} = max({{ rows }}.{{ version }}) over (
            partition by {{ rows }}.{{ key }}
        ) as is_current_version

    from {{ rows }}

    inner join {{ ref('stg_submissions') }} as submissions
        on {{ rows }}.submission_id = submissions.submission_id

    where submissions.status = 'loaded'
{%- endmacro %}
