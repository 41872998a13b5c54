{#
    Every version of every catalogue edition: the shipped seed (version 0) and each
    loaded edition file (reference/frameworks/), whose version was numbered at load
    (1, 2, ... per edition name). The highest version of an edition is in force: a
    corrected file replaces the whole edition, and the earlier versions stay here,
    so a fact can always say which version valued it. The ledger, not the presence
    of rows, decides which files count.
#}

with

seeded as (

    select * from {{ ref('measure_catalogue') }}

),

loaded_rows as (

    select * from {{ ref('stg_reference_frameworks') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

seeded_version as (

    select
        edition,
        measure_code,
        theme,
        outcome,
        description,
        unit,
        proxy_value_gbp,
        -- the seed has no value types: a measure without a proxy is record-only
        case
            when proxy_value_gbp is null then 'record_only' else 'proxy'
        end as value_type,
        cast(null as varchar) as excludes,
        is_illustrative,
        source,
        licence,
        0 as edition_version,
        cast(null as bigint) as edition_submission_id

    from seeded

),

loaded_versions as (

    select
        loaded_rows.edition,
        loaded_rows.measure_code,
        loaded_rows.theme,
        loaded_rows.outcome,
        loaded_rows.description,
        loaded_rows.unit,
        loaded_rows.proxy_value_gbp,
        loaded_rows.value_type,
        loaded_rows.excludes,
        loaded_rows.is_illustrative,
        loaded_rows.source,
        loaded_rows.licence,
        loaded_rows.edition_version,
        loaded_rows.submission_id as edition_submission_id

    from loaded_rows

    inner join submissions
        on loaded_rows.submission_id = submissions.submission_id

    where submissions.status = 'loaded'

),

unioned as (

    select * from seeded_version
    union all
    select * from loaded_versions

),

final as (

    select
        *,
        edition_version = max(edition_version) over (
            partition by edition
        ) as is_current_version

    from unioned

)

select * from final
