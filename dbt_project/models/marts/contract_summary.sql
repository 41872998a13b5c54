{#
    One row per contract: its value, committed and delivered pounds, each as a share
    of the contract's value (the SLEV-style benchmark), the months of the contract
    elapsed by as_of_date, and delivery against a straight-line expectation: each
    commitment's value times the elapsed share of its own period (the contract's,
    unless the commitment has its own). A contract more than 25% behind that
    expectation is flagged. Delivery is counted as in contract_progress; a contract
    with delivery but no commitment appears with no committed figures.
#}

with

commitments as (

    select * from {{ ref('int_commitment_lines_valued') }}

),

delivered_lines as (

    select * from {{ ref('int_contract_delivery_to_date') }}

),

committed as (

    select
        submitter,
        organisation_id,
        contract_ref,
        min(organisation_name) as organisation_name,
        min(sector) as sector,
        min(contract_title) as contract_title,
        min(contract_start) as contract_start,
        max(contract_end) as contract_end,
        max(contract_value_gbp) as contract_value_gbp,
        sum(social_value_gbp) as committed_value_gbp,
        sum(
            {{ elapsed_part('social_value_gbp', 'period_start', 'period_end') }}
        ) as expected_value_to_date_gbp,
        bool_or(is_illustrative) as is_illustrative

    from commitments

    group by
        submitter,
        organisation_id,
        contract_ref

),

delivered as (

    select
        submitter,
        organisation_id,
        contract_ref,
        min(organisation_name) as organisation_name,
        min(sector) as sector,
        sum(social_value_gbp) as delivered_value_gbp,
        bool_or(is_illustrative) as is_illustrative

    from delivered_lines

    group by
        submitter,
        organisation_id,
        contract_ref

),

joined as (

    select
        coalesce(committed.submitter, delivered.submitter) as submitter,
        coalesce(committed.organisation_id, delivered.organisation_id) as organisation_id,
        coalesce(committed.contract_ref, delivered.contract_ref) as contract_ref,
        coalesce(
            committed.organisation_name, delivered.organisation_name
        ) as organisation_name,
        coalesce(committed.sector, delivered.sector) as sector,
        committed.contract_title,
        committed.contract_start,
        committed.contract_end,
        committed.contract_value_gbp,
        committed.committed_value_gbp,
        committed.expected_value_to_date_gbp,
        coalesce(delivered.delivered_value_gbp, 0) as delivered_value_gbp,
        committed.submitter is not null as is_committed,
        coalesce(committed.is_illustrative, false)
        or coalesce(delivered.is_illustrative, false) as is_illustrative,
        -- the day after the last elapsed day, so a month counts once it is whole
        least({{ as_of_date() }}, committed.contract_end) + 1 as elapsed_through

    from committed

    full outer join delivered
        on
            committed.submitter = delivered.submitter
            and committed.organisation_id = delivered.organisation_id
            and committed.contract_ref = delivered.contract_ref

),

final as (

    select
        submitter,
        organisation_id,
        organisation_name,
        sector,
        contract_ref,
        contract_title,
        contract_start,
        contract_end,
        {{ round_to_pence('contract_value_gbp') }} as contract_value_gbp,
        {{ round_to_pence('committed_value_gbp') }} as committed_value_gbp,
        {{ round_to_pence('delivered_value_gbp') }} as delivered_value_gbp,
        {{ percent_of('committed_value_gbp', 'contract_value_gbp') }}
            as committed_pct_of_contract_value,
        {{ percent_of('delivered_value_gbp', 'contract_value_gbp') }}
            as delivered_pct_of_contract_value,
        case
            when is_committed
                then greatest(0, {{ whole_months('contract_start', 'elapsed_through') }})
        end as months_elapsed,
        {{ round_to_pence('expected_value_to_date_gbp') }} as expected_value_to_date_gbp,
        {{ percent_of('delivered_value_gbp', 'expected_value_to_date_gbp') }}
            as delivered_pct_of_expected,
        coalesce(
            delivered_value_gbp < 0.75 * expected_value_to_date_gbp, false
        ) as is_behind,
        is_committed,
        is_illustrative

    from joined

)

select * from final
