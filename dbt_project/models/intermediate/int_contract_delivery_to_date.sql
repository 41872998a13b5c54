{#
    The delivery counted against contracts "to date": current valued delivery lines
    that name a contract and whose period had started by as_of_date. The one home of
    that rule for contract_progress and contract_summary; they match these lines to
    commitments by submitter, organisation_id and contract_ref.
#}

with

valued as (

    select * from {{ ref('int_return_lines_valued') }}

),

final as (

    select * from valued

    where
        contract_ref is not null
        and period_start <= {{ as_of_date() }}

)

select * from final
