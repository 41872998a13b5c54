{#
    One row per current valued commitment and UK financial year that its period
    touches, apportioned by days exactly as delivered lines are (the
    apportion_by_financial_year macro).
#}

with

valued as (

    select * from {{ ref('int_commitment_lines_valued') }}

),

final as (

    {{ apportion_by_financial_year('valued', ['committed_quantity', 'social_value_gbp']) }}

)

select * from final
