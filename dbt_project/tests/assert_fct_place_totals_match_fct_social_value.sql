-- Shown in Dagster as an asset check on fct_place_totals.
{{ config(meta={"dagster": {"ref": {"name": "fct_place_totals"}}}) }}

{#
    Apportioning across financial years and grouping must neither lose nor invent
    value: per place, the fct_place_totals rows add up to the rounded sum of the facts.
    Each fct_place_totals row is rounded on its own, so the sums may differ by at most
    half a penny per row.
#}

with

fct_by_place as (

    select
        place_code,
        sum(social_value_gbp) as fct_social_value_gbp

    from {{ ref('fct_social_value') }}

    where social_value_gbp is not null

    group by place_code

),

totals_by_place as (

    select
        place_code,
        sum(social_value_gbp) as fct_place_totals_social_value_gbp,
        count(*) as n_rows

    from {{ ref('fct_place_totals') }}

    group by place_code

),

compared as (

    select
        coalesce(fct_by_place.place_code, totals_by_place.place_code) as place_code,
        {{ round_to_pence('coalesce(fct_by_place.fct_social_value_gbp, 0)') }}
            as fct_social_value_gbp,
        coalesce(totals_by_place.fct_place_totals_social_value_gbp, 0)
            as fct_place_totals_social_value_gbp,
        coalesce(totals_by_place.n_rows, 0) as n_rows

    from fct_by_place

    full outer join totals_by_place
        on fct_by_place.place_code = totals_by_place.place_code

)

select *
from compared
where
    abs(fct_social_value_gbp - fct_place_totals_social_value_gbp)
    > 0.005 * n_rows + 0.000001
