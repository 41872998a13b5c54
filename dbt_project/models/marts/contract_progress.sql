{#
    Committed against delivered, per contract and measure. A contract is identified
    as a commitment return is: submitter, organisation and contract reference; the
    delivery lines counted are the current ones of the same submitter, organisation
    and contract_ref whose period had started by as_of_date. The join is a full outer
    join, so a measure delivered without a commitment and a commitment with no
    delivery yet both appear, told apart by progress_status. Pounds are summed
    unrounded and rounded to pence once, here.
#}

with

commitments as (

    select * from {{ ref('int_commitment_lines_valued') }}

),

delivered_lines as (

    select * from {{ ref('int_contract_delivery_to_date') }}

),

contracts as (

    select
        submitter,
        organisation_id,
        contract_ref,
        -- one value per contract, checked per file when it was loaded
        max(contract_value_gbp) as contract_value_gbp

    from commitments

    group by
        submitter,
        organisation_id,
        contract_ref

),

committed as (

    select
        submitter,
        organisation_id,
        contract_ref,
        measure_code,
        min(organisation_name) as organisation_name,
        min(theme) as theme,
        sum(committed_quantity) as committed_quantity,
        sum(social_value_gbp) as committed_value_gbp,
        bool_or(is_illustrative) as is_illustrative

    from commitments

    group by
        submitter,
        organisation_id,
        contract_ref,
        measure_code

),

delivered as (

    select
        submitter,
        organisation_id,
        contract_ref,
        measure_code,
        min(organisation_name) as organisation_name,
        min(theme) as theme,
        sum(quantity) as delivered_quantity,
        sum(social_value_gbp) as delivered_value_gbp,
        bool_or(is_illustrative) as is_illustrative

    from delivered_lines

    group by
        submitter,
        organisation_id,
        contract_ref,
        measure_code

),

joined as (

    select
        coalesce(committed.submitter, delivered.submitter) as submitter,
        coalesce(committed.organisation_id, delivered.organisation_id) as organisation_id,
        coalesce(committed.contract_ref, delivered.contract_ref) as contract_ref,
        coalesce(committed.measure_code, delivered.measure_code) as measure_code,
        coalesce(
            committed.organisation_name, delivered.organisation_name
        ) as organisation_name,
        coalesce(committed.theme, delivered.theme) as theme,
        committed.committed_quantity,
        committed.committed_value_gbp,
        coalesce(delivered.delivered_quantity, 0) as delivered_quantity,
        coalesce(delivered.delivered_value_gbp, 0) as delivered_value_gbp,
        committed.submitter is not null as is_committed,
        delivered.submitter is not null as is_delivered,
        coalesce(committed.is_illustrative, false)
        or coalesce(delivered.is_illustrative, false) as is_illustrative

    from committed

    full outer join delivered
        on
            committed.submitter = delivered.submitter
            and committed.organisation_id = delivered.organisation_id
            and committed.contract_ref = delivered.contract_ref
            and committed.measure_code = delivered.measure_code

),

final as (

    select
        joined.submitter,
        joined.organisation_id,
        joined.organisation_name,
        joined.contract_ref,
        joined.measure_code,
        joined.theme,
        {{ exact_decimal('joined.committed_quantity') }} as committed_quantity,
        {{ round_to_pence('joined.committed_value_gbp') }} as committed_value_gbp,
        {{ exact_decimal('joined.delivered_quantity') }} as delivered_quantity,
        {{ round_to_pence('joined.delivered_value_gbp') }} as delivered_value_gbp,
        {{ percent_of('joined.delivered_quantity', 'joined.committed_quantity') }}
            as delivered_pct,
        {{ round_to_pence('contracts.contract_value_gbp') }} as contract_value_gbp,
        joined.is_committed,
        joined.is_delivered,
        case
            when not joined.is_committed then 'no commitment'
            when not joined.is_delivered then 'not started'
            when joined.delivered_quantity >= joined.committed_quantity then 'delivered'
            else 'in progress'
        end as progress_status,
        joined.is_illustrative

    from joined

    left join contracts
        on
            joined.submitter = contracts.submitter
            and joined.organisation_id = contracts.organisation_id
            and joined.contract_ref = contracts.contract_ref

)

select * from final
