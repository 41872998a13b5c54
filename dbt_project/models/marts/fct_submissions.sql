{#
    The ledger for BI, so an institution can see the fate of each file it sent:
    loaded, rejected (with where its report is) or a duplicate, and for a loaded
    file how many of its lines still count, how many a later file superseded and
    which file(s) did, and how many earlier lines it replaced itself. Who replaced
    whom comes from fct_supersessions, the one record of it.
#}

with

ledger as (

    select * from {{ ref('stg_submissions') }}

),

-- delivered and committed lines: a file holds one kind or the other
history as (

    select
        line_id,
        submission_id,
        is_superseded
    from {{ ref('int_return_lines_history') }}

    union all

    select
        line_id,
        submission_id,
        is_superseded
    from {{ ref('int_commitment_lines_history') }}

),

supersessions as (

    select * from {{ ref('fct_supersessions') }}

),

superseding_files as (

    select distinct
        superseded_submission_id as submission_id,
        superseding_submission_id,
        superseding_file

    from supersessions

),

superseded_by as (

    select
        submission_id,
        -- one file replaced them all (the common case): that file; several: see the paths
        case
            when count(*) = 1 then max(superseding_submission_id)
        end as superseded_by_submission_id,
        string_agg(superseding_file, '; ' order by superseding_file) as superseded_by_paths

    from superseding_files

    group by submission_id

),

replacements as (

    select
        superseding_submission_id as submission_id,
        sum(superseded_line_count) as replaced_line_count

    from supersessions

    group by superseding_submission_id

),

line_counts as (

    select
        submission_id,
        count(case when not is_superseded then line_id end) as current_line_count,
        count(case when is_superseded then line_id end) as superseded_line_count

    from history

    group by submission_id

),

final as (

    select
        ledger.submission_id,
        ledger.submitter,
        ledger.original_path,
        ledger.sha256,
        ledger.size_bytes,
        ledger.file_format,
        ledger.received_at,
        ledger.processed_at,
        ledger.status,
        ledger.file_kind,
        ledger.line_count,
        ledger.error_count,
        ledger.final_location,
        ledger.report_location,
        ledger.duplicate_of,
        ledger.run_id,
        ledger.warnings,
        coalesce(line_counts.current_line_count, 0) as current_line_count,
        coalesce(line_counts.superseded_line_count, 0) as superseded_line_count,
        superseded_by.superseded_by_submission_id,
        superseded_by.superseded_by_paths,
        coalesce(replacements.replaced_line_count, 0) as replaced_line_count

    from ledger

    left join line_counts
        on ledger.submission_id = line_counts.submission_id

    left join superseded_by
        on ledger.submission_id = superseded_by.submission_id

    left join replacements
        on ledger.submission_id = replacements.submission_id

)

select * from final
