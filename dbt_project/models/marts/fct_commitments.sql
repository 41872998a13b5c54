{#
    One row per current commitment line, valued with the edition rules every line is
    valued with, and traceable to its file and row.
#}

with

valued as (

    select * from {{ ref('int_commitment_lines_valued') }}

),

final as (

    select
        line_id,
        submission_id,
        source_row,
        submitter,
        source_file,
        final_location,
        organisation_id,
        organisation_name,
        sector,
        contract_ref,
        contract_title,
        contract_start,
        contract_end,
        {{ exact_decimal('contract_value_gbp') }} as contract_value_gbp,
        period_start as commitment_start,
        period_end as commitment_end,
        measure_code,
        edition,
        theme,
        outcome,
        {{ exact_decimal('committed_quantity') }} as committed_quantity,
        unit,
        {{ exact_decimal('proxy_value_gbp') }} as proxy_value_gbp,
        is_illustrative,
        {{ exact_decimal('social_value_gbp') }} as committed_value_gbp,
        submitted_place_code,
        place_code,
        evidence

    from valued

)

select * from final
