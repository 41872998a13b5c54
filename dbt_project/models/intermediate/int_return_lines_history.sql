{#
    A return is one sender's report for one organisation, contract and period. When a
    later file holds a return with the same identity, that file is the new version
    of the whole return: every line of the return in earlier files is superseded,
    including measures the new version no longer lists (that is how a sender
    withdraws a line). The identity includes the submitter, so one submitter can
    never overwrite another's returns.
#}

with

return_lines as (

    select * from {{ ref('stg_return_lines') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

loaded_lines as (

    select
        return_lines.line_id,
        return_lines.submission_id,
        return_lines.source_row,
        return_lines.submitter,
        submissions.original_path as source_file,
        submissions.received_at,
        return_lines.organisation_id,
        return_lines.organisation_name,
        return_lines.sector,
        return_lines.contract_ref,
        return_lines.period_start,
        return_lines.period_end,
        return_lines.measure_code,
        return_lines.edition,
        return_lines.quantity,
        return_lines.reported_unit,
        return_lines.place_code,
        return_lines.evidence

    from return_lines

    inner join submissions
        on return_lines.submission_id = submissions.submission_id

    -- the ledger, not the presence of lines, decides which files count
    where submissions.status = 'loaded'

),

versioned as (

    select
        *,
        -- all lines of one file share its ordering keys, so the latest file that
        -- holds the return wins as a whole; submission_id breaks exact ties
        first_value(submission_id) over (
            partition by
                submitter,
                organisation_id,
                coalesce(contract_ref, ''),
                period_start,
                period_end
            order by
                received_at desc,
                {{ binary_collation('source_file') }} desc,
                submission_id desc
        ) as current_submission_id

    from loaded_lines

),

final as (

    select
        line_id,
        submission_id,
        source_row,
        submitter,
        source_file,
        received_at,
        organisation_id,
        organisation_name,
        sector,
        contract_ref,
        period_start,
        period_end,
        measure_code,
        edition,
        quantity,
        reported_unit,
        place_code,
        evidence,
        submission_id <> current_submission_id as is_superseded,
        case
            when submission_id <> current_submission_id
                then current_submission_id
        end as superseded_by_submission_id

    from versioned

)

select * from final
