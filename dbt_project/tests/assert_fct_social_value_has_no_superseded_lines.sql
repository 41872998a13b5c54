-- Shown in Dagster as an asset check on fct_social_value.
{{ config(meta={"dagster": {"ref": {"name": "fct_social_value"}}}) }}

-- A superseded line counted in the facts would double count a resent return.
select
    fct.line_id,
    history.superseded_by_submission_id

from {{ ref('fct_social_value') }} as fct

inner join {{ ref('int_return_lines_history') }} as history
    on fct.line_id = history.line_id

where history.is_superseded
