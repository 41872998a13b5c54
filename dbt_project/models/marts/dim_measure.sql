with

catalogue as (

    select * from {{ ref('int_measure_catalogue') }}

),

final as (

    select
        edition,
        measure_code,
        theme,
        outcome,
        description,
        unit,
        {{ exact_decimal('proxy_value_gbp') }} as proxy_value_gbp,
        is_illustrative,
        source,
        licence,
        value_type,
        excludes,
        edition_version,
        edition_submission_id

    from catalogue

)

select * from final
