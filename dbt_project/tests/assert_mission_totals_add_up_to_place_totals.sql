-- Shown in Dagster as an asset check on mission_totals.
{{ config(meta={"dagster": {"ref": {"name": "mission_totals"}}}) }}

{#
    Each measure has exactly one primary mission per framing, so within a framing a
    place's mission totals for a year add up to its total in fct_place_totals.
    Rows are rounded on their own, so the sums may differ by half a penny per row.
#}

with

place_totals as (

    select
        place_code,
        financial_year,
        sum(social_value_gbp) as social_value_gbp,
        count(*) as n_rows

    from {{ ref('fct_place_totals') }}

    group by
        place_code,
        financial_year

),

mission_totals as (

    select
        framing,
        place_code,
        financial_year,
        sum(social_value_gbp) as social_value_gbp,
        count(*) as n_rows

    from {{ ref('mission_totals') }}

    group by
        framing,
        place_code,
        financial_year

),

framings as (

    select distinct framing from {{ ref('mission_totals') }}

),

compared as (

    select
        framings.framing,
        place_totals.place_code,
        place_totals.financial_year,
        place_totals.social_value_gbp as place_total_gbp,
        coalesce(mission_totals.social_value_gbp, 0) as mission_total_gbp,
        place_totals.n_rows + coalesce(mission_totals.n_rows, 0) as n_rows

    from place_totals

    cross join framings

    left join mission_totals
        on
            framings.framing = mission_totals.framing
            and place_totals.place_code = mission_totals.place_code
            and place_totals.financial_year = mission_totals.financial_year

)

select *
from compared
where abs(place_total_gbp - mission_total_gbp) > 0.005 * n_rows + 0.000001
