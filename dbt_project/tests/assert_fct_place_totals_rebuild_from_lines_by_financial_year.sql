-- Shown in Dagster as an asset check on fct_place_totals.
{{ config(meta={"dagster": {"ref": {"name": "fct_place_totals"}}}) }}

{#
    Every total of fct_place_totals is rebuilt exactly from the line-by-year fact:
    its rows grouped by place, financial year, theme and sector, summed unrounded
    and rounded to pence once, give the same pounds, to the penny, and the same
    lines; a total on either side without its match on the other is a failure too.
#}

with

rebuilt as (

    select
        place_code,
        financial_year,
        theme,
        sector,
        {{ round_to_pence('sum(apportioned_social_value_gbp)') }} as social_value_gbp,
        count(distinct line_id) as line_count

    from {{ ref('fct_social_value_by_financial_year') }}

    where apportioned_social_value_gbp is not null

    group by
        place_code,
        financial_year,
        theme,
        sector

),

totals as (

    select * from {{ ref('fct_place_totals') }}

)

select
    coalesce(rebuilt.place_code, totals.place_code) as place_code,
    coalesce(rebuilt.financial_year, totals.financial_year) as financial_year,
    coalesce(rebuilt.theme, totals.theme) as theme,
    coalesce(rebuilt.sector, totals.sector) as sector,
    rebuilt.social_value_gbp as rebuilt_social_value_gbp,
    totals.social_value_gbp as fct_place_totals_social_value_gbp,
    rebuilt.line_count as rebuilt_line_count,
    totals.line_count as fct_place_totals_line_count

from rebuilt

full outer join totals
    on
        rebuilt.place_code = totals.place_code
        and rebuilt.financial_year = totals.financial_year
        and rebuilt.theme = totals.theme
        and rebuilt.sector = totals.sector

where
    rebuilt.social_value_gbp is distinct from totals.social_value_gbp
    or rebuilt.line_count is distinct from totals.line_count
