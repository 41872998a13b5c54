{#
    Social value set against each place's own need: per district and financial
    year, the value, the resident population, value per head and the English
    Indices of Deprivation. Money is rounded to pence here, once.
#}

with

place_need as (

    select * from {{ ref('int_place_need') }}

),

final as (

    select
        place_code,
        place_name,
        region_code,
        region_name,
        country_code,
        financial_year,
        {{ round_to_pence('social_value_gbp') }} as social_value_gbp,
        population,
        population_year,
        population_basis,
        {{ round_to_pence(divide_exactly('social_value_gbp', 'nullif(population, 0)')) }}
            as social_value_per_head_gbp,
        imd_edition,
        imd_score,
        imd_rank,
        imd_decile,
        imd_proportion_most_deprived_10pct,
        imd_method,
        imd_status,
        valued_line_count,
        not_valued_line_count,
        is_illustrative

    from place_need

)

select * from final
