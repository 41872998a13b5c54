{#
    Every version of every catalogue edition, current or replaced: the shipped seed
    (version 0) and each loaded edition file, with its measure counts, licence and
    whether its values are illustrative. `svw catalogue list` reads it.
#}

with

editions as (

    select * from {{ ref('int_measure_editions') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

versions as (

    select
        edition,
        edition_version,
        edition_submission_id,
        is_current_version,
        count(*) as measure_count,
        sum(case when value_type = 'proxy' then 1 else 0 end) as proxy_measure_count,
        sum(case when value_type = 'record_only' then 1 else 0 end)
            as record_only_measure_count,
        sum(case when value_type = 'localised' then 1 else 0 end)
            as localised_measure_count,
        bool_or(is_illustrative) as is_illustrative,
        -- source is dim_measure's name, though sqlfluff counts it a keyword
        min(source) as source,  -- noqa: RF04
        min(licence) as licence

    from editions

    group by
        edition,
        edition_version,
        edition_submission_id,
        is_current_version

),

final as (

    select
        versions.edition,
        versions.edition_version,
        versions.is_current_version,
        versions.edition_submission_id,
        submissions.original_path as source_file,
        submissions.received_at,
        versions.measure_count,
        versions.proxy_measure_count,
        versions.record_only_measure_count,
        versions.localised_measure_count,
        versions.is_illustrative,
        versions.source,
        versions.licence

    from versions

    left join submissions
        on versions.edition_submission_id = submissions.submission_id

)

select * from final
