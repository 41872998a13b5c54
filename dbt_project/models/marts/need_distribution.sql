{#
    Does value reach the places that need it? Per financial year and national IMD
    decile (1 = most deprived tenth of English districts): the share of social
    value and the share of population in that decile, and their ratio (1.0 = value
    in proportion to people; above 1 = more than a population share). Computed for
    England as a whole and within each English region (the deciles stay national,
    so a region's decile 1 is its share of England's most deprived districts).
    Only English districts with an index take part: the indices are England's.
#}

with

place_need as (

    select * from {{ ref('int_place_need') }}

    where imd_decile is not null

),

scoped as (

    select
        'country' as scope_type,
        place_need.country_code as scope_code,
        place_need.country_name as scope_name,
        place_need.*

    from place_need

    union all

    select
        'region' as scope_type,
        place_need.region_code as scope_code,
        place_need.region_name as scope_name,
        place_need.*

    from place_need

    where place_need.region_code is not null

),

by_decile as (

    select
        financial_year,
        scope_type,
        scope_code,
        scope_name,
        imd_edition,
        imd_decile,
        count(*) as district_count,
        sum(social_value_gbp) as social_value_gbp,
        sum(population) as population,
        bool_or(is_illustrative) as is_illustrative

    from scoped

    group by
        financial_year,
        scope_type,
        scope_code,
        scope_name,
        imd_edition,
        imd_decile

),

shares as (

    select
        *,
        -- shares are ratios, not money: doubles on every engine
        cast(social_value_gbp as double precision)
        / nullif(cast(sum(social_value_gbp) over (
            partition by financial_year, scope_type, scope_code
        ) as double precision), 0) as value_share,
        cast(population as double precision)
        / nullif(sum(population) over (
            partition by financial_year, scope_type, scope_code
        ), 0) as population_share

    from by_decile

),

final as (

    select
        financial_year,
        scope_type,
        scope_code,
        scope_name,
        imd_edition,
        imd_decile,
        district_count,
        {{ round_to_pence('social_value_gbp') }} as social_value_gbp,
        population,
        value_share,
        population_share,
        value_share / nullif(population_share, 0) as value_to_population_ratio,
        is_illustrative

    from shares

)

select * from final
