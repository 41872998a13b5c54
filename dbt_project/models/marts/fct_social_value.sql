with

valued as (

    select * from {{ ref('int_return_lines_valued') }}

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
        period_start,
        period_end,
        valued_measure_code as measure_code,
        valued_edition as edition,
        edition_version,
        edition_submission_id,
        measure_code as submitted_measure_code,
        edition as submitted_framework,
        crosswalk_submission_id,
        crosswalk_source_row,
        {{ exact_decimal('crosswalk_factor') }} as crosswalk_factor,
        theme,
        outcome,
        {{ exact_decimal('quantity') }} as quantity,
        {{ exact_decimal('valued_quantity') }} as valued_quantity,
        unit,
        {{ exact_decimal('proxy_value_gbp') }} as proxy_value_gbp,
        is_illustrative,
        valuation_status,
        {{ exact_decimal('social_value_gbp') }} as social_value_gbp,
        submitted_place_code,
        place_code,
        evidence

    from valued

)

select * from final
