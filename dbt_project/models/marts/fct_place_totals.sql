{#
    Totals by place, financial year, theme and sector. Apportioned values are summed
    unrounded and rounded to pence once, here, so totals do not drift with the
    number of lines. Lines of record-only measures (no proxy, so no value) carry no
    pounds and are left out of these totals; they remain in fct_social_value.
    is_illustrative flags a total that any illustrative (invented) proxy went into,
    so such a total is never quoted as real.
#}

with

apportioned as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

),

places as (

    select * from {{ ref('int_places') }}

),

totals as (

    select
        place_code,
        financial_year,
        theme,
        sector,
        sum(apportioned_social_value_gbp) as social_value_gbp,
        count(distinct line_id) as line_count,
        count(distinct organisation_id) as organisation_count,
        -- bool_or: one illustrative line makes the whole total illustrative
        bool_or(is_illustrative) as is_illustrative

    from apportioned

    where apportioned_social_value_gbp is not null

    group by
        place_code,
        financial_year,
        theme,
        sector

),

final as (

    select
        totals.place_code,
        places.place_name,
        places.region_code,
        places.region_name,
        places.country_code,
        totals.financial_year,
        totals.theme,
        totals.sector,
        {{ round_to_pence('totals.social_value_gbp') }} as social_value_gbp,
        totals.line_count,
        totals.organisation_count,
        totals.is_illustrative

    from totals

    left join places
        on totals.place_code = places.place_code

)

select * from final
