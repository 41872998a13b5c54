with

history as (

    select * from {{ ref('int_return_lines_history') }}

),

current_lines as (

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
        evidence

    from history

    where not is_superseded

)

select * from current_lines
