with

catalogue as (

    select * from {{ ref('measure_catalogue') }}

),

final as (

    select
        edition,
        measure_code,
        theme,
        outcome,
        description,
        unit,
        proxy_value_gbp,
        is_illustrative,
        source,
        licence

    from catalogue

)

select * from final
