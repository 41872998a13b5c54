{#
    The ledger for BI, so an institution can see the fate of each file it sent:
    loaded, rejected (with where its report is) or a duplicate, and for a loaded
    file how many of its lines still count and how many a later file superseded.
#}

with

ledger as (

    select * from {{ ref('stg_submissions') }}

),

history as (

    select * from {{ ref('int_return_lines_history') }}

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
        coalesce(line_counts.superseded_line_count, 0) as superseded_line_count

    from ledger

    left join line_counts
        on ledger.submission_id = line_counts.submission_id

)

select * from final
