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
        organisation_id,
        organisation_name,
        sector,
        contract_ref,
        period_start,
        period_end,
        measure_code,
        edition,
        theme,
        outcome,
        quantity,
        unit,
        proxy_value_gbp,
        is_illustrative,
        social_value_gbp,
        submitted_place_code,
        place_code,
        evidence

    from valued

)

select * from final
