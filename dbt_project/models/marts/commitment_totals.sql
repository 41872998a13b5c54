{#
    Committed against delivered by place, financial year, theme and sector. Both
    sides are apportioned over their periods by days with the same rule
    (apportion_by_financial_year): a commitment over its own period (the contract's
    by default), a delivered line over its reporting period. Delivered counts the
    current delivery lines of contracts that have commitments (same submitter,
    organisation and contract_ref), so the two columns compare like with like;
    fct_place_totals holds all delivery. Rounded to pence once, here; lines of
    record-only measures carry no pounds and are left out.
#}

with

committed_years as (

    select * from {{ ref('int_commitment_lines_by_financial_year') }}

),

delivered_years as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

),

contracts as (

    select distinct
        submitter,
        organisation_id,
        contract_ref

    from {{ ref('int_commitment_lines_current') }}

),

places as (

    select * from {{ ref('int_places') }}

),

committed as (

    select
        place_code,
        financial_year,
        theme,
        sector,
        sum(apportioned_social_value_gbp) as committed_value_gbp,
        bool_or(is_illustrative) as is_illustrative

    from committed_years

    where apportioned_social_value_gbp is not null

    group by
        place_code,
        financial_year,
        theme,
        sector

),

delivered as (

    select
        delivered_years.place_code,
        delivered_years.financial_year,
        delivered_years.theme,
        delivered_years.sector,
        sum(delivered_years.apportioned_social_value_gbp) as delivered_value_gbp,
        bool_or(delivered_years.is_illustrative) as is_illustrative

    from delivered_years

    inner join contracts
        on
            delivered_years.submitter = contracts.submitter
            and delivered_years.organisation_id = contracts.organisation_id
            and delivered_years.contract_ref = contracts.contract_ref

    where delivered_years.apportioned_social_value_gbp is not null

    group by
        delivered_years.place_code,
        delivered_years.financial_year,
        delivered_years.theme,
        delivered_years.sector

),

joined as (

    select
        coalesce(committed.place_code, delivered.place_code) as place_code,
        coalesce(committed.financial_year, delivered.financial_year) as financial_year,
        coalesce(committed.theme, delivered.theme) as theme,
        coalesce(committed.sector, delivered.sector) as sector,
        coalesce(committed.committed_value_gbp, 0) as committed_value_gbp,
        coalesce(delivered.delivered_value_gbp, 0) as delivered_value_gbp,
        coalesce(committed.is_illustrative, false)
        or coalesce(delivered.is_illustrative, false) as is_illustrative

    from committed

    full outer join delivered
        on
            committed.place_code = delivered.place_code
            and committed.financial_year = delivered.financial_year
            and committed.theme = delivered.theme
            and committed.sector = delivered.sector

),

final as (

    select
        joined.place_code,
        places.place_name,
        places.region_code,
        places.region_name,
        joined.financial_year,
        joined.theme,
        joined.sector,
        {{ round_to_pence('joined.committed_value_gbp') }} as committed_value_gbp,
        {{ round_to_pence('joined.delivered_value_gbp') }} as delivered_value_gbp,
        joined.is_illustrative

    from joined

    left join places
        on joined.place_code = places.place_code

)

select * from final
