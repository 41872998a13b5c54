{#
    The one place where line attributes join the supersession result: every column
    of stg_return_lines is carried on with select *, so a column added to
    raw.return_lines reaches the later intermediate models without being listed in
    them. Only the file's received order comes from the history model; the return
    identity is already among the staging columns.

    Here, too, the place code as sent becomes the current district code, so every
    total downstream is on today's geography: a code that has been merged or recoded
    counts under its successor, and a code that never existed is kept as sent (its
    totals survive, without a name).
#}

with

return_lines as (

    select * from {{ ref('stg_return_lines') }}

),

history as (

    select * from {{ ref('int_return_lines_history') }}

),

successors as (

    select * from {{ ref('int_place_code_successors') }}

),

current_lines as (

    select
        return_lines.*,
        history.source_file,
        history.final_location,
        history.received_at,
        history.return_key,
        -- when int_return_lines_history last decided this return's current version
        history.built_at as history_built_at,
        coalesce(
            successors.current_place_code, return_lines.submitted_place_code
        ) as place_code

    from return_lines

    -- inner: lines of files that were not loaded have no history row
    inner join history
        on return_lines.line_id = history.line_id

    left join successors
        on return_lines.submitted_place_code = successors.place_code

    where not history.is_superseded

)

select * from current_lines
