{#
    The one place where line attributes join the supersession result: every column
    of stg_return_lines is carried on with select *, so a column added to
    raw.return_lines reaches the later intermediate models without being listed in
    them. Only the file's received order comes from the history model; the return
    identity is already among the staging columns.
#}

with

return_lines as (

    select * from {{ ref('stg_return_lines') }}

),

history as (

    select * from {{ ref('int_return_lines_history') }}

),

current_lines as (

    select
        return_lines.*,
        history.source_file,
        history.received_at

    from return_lines

    -- inner: lines of files that were not loaded have no history row
    inner join history
        on return_lines.line_id = history.line_id

    where not history.is_superseded

)

select * from current_lines
