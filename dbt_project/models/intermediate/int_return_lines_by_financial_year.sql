{#
    One row per current valued line and UK financial year that its period touches,
    apportioned by days (the apportion_by_financial_year macro holds the rule, so
    commitments are apportioned alike). Every column of the valued line is carried
    on, so line attributes are never listed here.
#}

with

valued as (

    select * from {{ ref('int_return_lines_valued') }}

),

final as (

    {{ apportion_by_financial_year('valued', ['quantity', 'valued_quantity', 'social_value_gbp']) }}

)

select * from final
