-- Shown in Dagster as an asset check on stg_return_lines.
{{ config(meta={"dagster": {"ref": {"name": "stg_return_lines"}}}) }}

{#
    Ingestion writes lines only for files it loaded. A line under a rejected or
    duplicate file would be silently dropped by int_return_lines_history, so say so.
#}
select
    return_lines.line_id,
    ledger.status

from {{ ref('stg_return_lines') }} as return_lines

inner join {{ ref('stg_submissions') }} as ledger
    on return_lines.submission_id = ledger.submission_id

where ledger.status <> 'loaded'
