-- Shown in Dagster as an asset check on int_return_lines_by_financial_year.
{{ config(meta={"dagster": {"ref": {"name": "int_return_lines_by_financial_year"}}}) }}

-- Every current line is apportioned in full: its year shares add up to 1.
with

valued as (

    select line_id from {{ ref('int_return_lines_valued') }}

),

shares as (

    select
        line_id,
        sum(financial_year_share) as total_share

    from {{ ref('int_return_lines_by_financial_year') }}

    group by line_id

)

select
    valued.line_id,
    shares.total_share

from valued

left join shares
    on valued.line_id = shares.line_id

where shares.total_share is null or abs(shares.total_share - 1) > 0.000000001
