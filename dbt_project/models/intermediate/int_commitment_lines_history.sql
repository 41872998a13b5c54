{#
    The re-baselining rule of commitment returns, for every loaded commitment line. A
    commitment return's identity is the contract: submitter, organisation and contract
    reference. The latest loaded file holding a contract replaces all of that contract's
    commitments in earlier files, including measures it no longer lists.

    As int_return_lines_history does for delivered lines, only the columns the rule
    reads and its outputs are carried; int_commitment_lines_current joins the line
    attributes and keeps the current lines.
#}

with

commitment_lines as (

    select * from {{ ref('stg_commitment_lines') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

versioned as (

    select
        commitment_lines.line_id,
        commitment_lines.submission_id,

        -- the contract's identity
        commitment_lines.submitter,
        commitment_lines.organisation_id,
        commitment_lines.contract_ref,

        submissions.received_at,
        submissions.original_path as source_file,
        -- where the file is now (archive/...), carried to the facts for analysts
        submissions.final_location,

        -- all lines of one file share its ordering keys, so the latest file holding
        -- the contract wins as a whole
        first_value(commitment_lines.submission_id) over (
            partition by
                commitment_lines.submitter,
                commitment_lines.organisation_id,
                commitment_lines.contract_ref
            order by {{ latest_file_first('submissions') }}
        ) as current_submission_id

    from commitment_lines

    inner join submissions
        on commitment_lines.submission_id = submissions.submission_id

    -- the ledger, not the presence of lines, decides which files count
    where submissions.status = 'loaded'

),

final as (

    select
        line_id,
        submission_id,
        submitter,
        organisation_id,
        contract_ref,
        received_at,
        source_file,
        final_location,
        current_submission_id,
        submission_id <> current_submission_id as is_superseded,
        case
            when submission_id <> current_submission_id
                then current_submission_id
        end as superseded_by_submission_id

    from versioned

)

select * from final
