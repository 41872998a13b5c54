{#
    The current commitments: the lines int_commitment_lines_history did not find
    superseded (a later file re-baselined their contract), with every column of
    stg_commitment_lines carried by select *. Earlier lines stay in
    stg_commitment_lines, and the file that superseded them in the history model.

    Here too the place code becomes today's district code, and a commitment without
    its own period takes the contract's, as period_start and period_end: the names
    the valuation and apportionment macros read.
#}

with

commitment_lines as (

    select * from {{ ref('stg_commitment_lines') }}

),

history as (

    select * from {{ ref('int_commitment_lines_history') }}

),

successors as (

    select * from {{ ref('int_place_code_successors') }}

),

current_lines as (

    select
        commitment_lines.*,
        history.source_file,
        history.final_location,
        history.received_at,
        history.current_submission_id,
        coalesce(
            successors.current_place_code, commitment_lines.submitted_place_code
        ) as place_code,
        coalesce(
            commitment_lines.submitted_commitment_start, commitment_lines.contract_start
        ) as period_start,
        coalesce(
            commitment_lines.submitted_commitment_end, commitment_lines.contract_end
        ) as period_end

    from commitment_lines

    -- inner: lines of files that were not loaded have no history row
    inner join history
        on commitment_lines.line_id = history.line_id

    left join successors
        on commitment_lines.submitted_place_code = successors.place_code

    where not history.is_superseded

)

select * from current_lines
