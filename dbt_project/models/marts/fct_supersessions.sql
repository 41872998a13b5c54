{#
    Supersession made visible: one row per earlier file, later file and return whose
    lines the later file replaced, with how many earlier lines no longer count and the
    sentence the run summary and the sender's report print. The rules themselves (which
    file holds the current version of a delivery return, or of a contract's
    commitments) are int_return_lines_history's and int_commitment_lines_history's;
    this model only counts and names what they decided.
#}

with

return_history as (

    select * from {{ ref('int_return_lines_history') }}

),

commitment_history as (

    select * from {{ ref('int_commitment_lines_history') }}

),

ledger as (

    select * from {{ ref('stg_submissions') }}

),

replaced_returns as (

    select
        cast('return' as varchar) as file_kind,
        submission_id as superseded_submission_id,
        superseded_by_submission_id as superseding_submission_id,
        submitter,
        organisation_id,
        -- NULL and '' are the same contract in the return identity
        nullif(contract_ref, '') as contract_ref,
        period_start,
        period_end,
        count(*) as superseded_line_count

    from return_history

    where is_superseded

    group by
        submission_id,
        superseded_by_submission_id,
        submitter,
        organisation_id,
        nullif(contract_ref, ''),
        period_start,
        period_end

),

-- a commitment return's identity has no period: the contract is re-baselined whole
replaced_contracts as (

    select
        cast('commitments' as varchar) as file_kind,
        submission_id as superseded_submission_id,
        superseded_by_submission_id as superseding_submission_id,
        submitter,
        organisation_id,
        contract_ref,
        cast(null as date) as period_start,
        cast(null as date) as period_end,
        count(*) as superseded_line_count

    from commitment_history

    where is_superseded

    group by
        submission_id,
        superseded_by_submission_id,
        submitter,
        organisation_id,
        contract_ref

),

replaced as (

    select * from replaced_returns
    union all
    select * from replaced_contracts

),

named as (

    select
        replaced.*,
        earlier.original_path as superseded_file,
        later.original_path as superseding_file,
        later.run_id as superseding_run_id

    from replaced

    inner join ledger as earlier
        on replaced.superseded_submission_id = earlier.submission_id

    inner join ledger as later
        on replaced.superseding_submission_id = later.submission_id

),

final as (

    select
        file_kind,
        superseded_submission_id,
        superseded_file,
        superseding_submission_id,
        superseding_file,
        superseding_run_id,
        submitter,
        organisation_id,
        contract_ref,
        period_start,
        period_end,
        superseded_line_count,
        'file ' || superseding_file
        || case
            when file_kind = 'commitments'
                then
                    ' replaces commitment return (' || organisation_id
                    || ', ' || contract_ref || ')'
            else
                ' replaces return (' || organisation_id
                || ', ' || coalesce(contract_ref, 'no contract')
                || ', ' || cast(period_start as varchar)
                || ' to ' || cast(period_end as varchar) || ')'
        end
        || ' from file ' || superseded_file
        || ': ' || cast(superseded_line_count as varchar)
        || case
            when superseded_line_count = 1 then ' earlier line no longer counts'
            else ' earlier lines no longer count'
        end as notice

    from named

)

select * from final
