{#
    A return is one sender's report for one organisation, contract and period. When a
    later file holds a return with the same identity, that file is the new version
    of the whole return: every line of the return in earlier files is superseded,
    including measures the new version no longer lists (that is how a sender
    withdraws a line). The identity includes the submitter, so one submitter can
    never overwrite another's returns.

    Only the columns the rule reads (the return identity and the file's received
    order) and its outputs are carried here. Line attributes (measure, quantity,
    place, evidence, ...) are joined from stg_return_lines once, in
    int_return_lines_current, so a new raw column never has to pass through here.

    Incremental (macros/incremental_lines.sql): a build recomputes only the returns
    that files loaded since the last build hold, with all their lines in every
    file, since a new file can change only its own returns' versions.
#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='return_key',
    on_schema_change='fail',
) }}

with

return_lines as (

    select * from {{ ref('stg_return_lines') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

{% if is_incremental() %}

    -- loaded files none of whose lines are here yet
    new_files as (

        select submissions.submission_id

        from submissions

        where
            submissions.status = 'loaded'
            and submissions.submission_id not in (
                select built.submission_id from {{ this }} as built
            )

    ),

    -- the returns those files hold
    touched_returns as (

        select distinct
            return_lines.submitter,
            return_lines.organisation_id,
            return_lines.contract_ref,
            return_lines.period_start,
            return_lines.period_end

        from return_lines

        inner join new_files
            on return_lines.submission_id = new_files.submission_id

    ),

{% endif %}

loaded_lines as (

    select
        return_lines.line_id,
        return_lines.submission_id,

        -- the return identity, and as one key
        {{ return_key('return_lines') }} as return_key,
        return_lines.submitter,
        return_lines.organisation_id,
        return_lines.contract_ref,
        return_lines.period_start,
        return_lines.period_end,

        -- the received order of the line's file
        submissions.received_at,
        submissions.original_path as source_file,
        -- where the file is now (archive/...), carried to the facts for analysts
        submissions.final_location

    from return_lines

    inner join submissions
        on return_lines.submission_id = submissions.submission_id

    {% if is_incremental() %}
        -- every line, in any file, of the returns new files hold
        inner join touched_returns
            on {{ same_return('return_lines', 'touched_returns') }}
    {% endif %}

    -- the ledger, not the presence of lines, decides which files count
    where submissions.status = 'loaded'
),

versioned as (

    select
        loaded_lines.*,
        -- all lines of one file share its ordering keys, so the latest file that
        -- holds the return wins as a whole
        first_value(loaded_lines.submission_id) over (
            -- the key is one to one with the return identity
            partition by loaded_lines.return_key
            order by {{ latest_file_first('loaded_lines', path_column='source_file') }}
        ) as current_submission_id

    from loaded_lines

),

final as (

    select
        line_id,
        submission_id,
        return_key,
        submitter,
        organisation_id,
        contract_ref,
        period_start,
        period_end,
        received_at,
        source_file,
        final_location,
        submission_id <> current_submission_id as is_superseded,
        case
            when submission_id <> current_submission_id
                then current_submission_id
        end as superseded_by_submission_id,
        {{ build_stamp() }} as built_at

    from versioned

)

select * from final
