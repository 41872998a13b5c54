{#
    The current commitments. A commitment return's identity is the contract: submitter,
    organisation and contract reference. The latest loaded file holding a contract
    replaces all of that contract's commitments (a re-baselined contract), including
    measures it no longer lists; earlier lines stay in stg_commitment_lines, with the
    file that superseded them here in superseded_by_submission_id for audit.

    Here too the place code becomes today's district code, and a commitment without
    its own period takes the contract's, as period_start and period_end: the names
    the valuation and apportionment macros read.
#}

with

commitment_lines as (

    select * from {{ ref('stg_commitment_lines') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

successors as (

    select * from {{ ref('int_place_code_successors') }}

),

versioned as (

    select
        commitment_lines.*,
        submissions.original_path as source_file,
        submissions.final_location,
        submissions.received_at,
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

current_lines as (

    select
        versioned.*,
        coalesce(
            successors.current_place_code, versioned.submitted_place_code
        ) as place_code,
        coalesce(
            versioned.submitted_commitment_start, versioned.contract_start
        ) as period_start,
        coalesce(versioned.submitted_commitment_end, versioned.contract_end) as period_end

    from versioned

    left join successors
        on versioned.submitted_place_code = successors.place_code

    where versioned.submission_id = versioned.current_submission_id

)

select * from current_lines
