{#
    Every place for every financial year the returns cover, with its social value
    (unrounded), its resident population and its deprivation: the grain of the
    needs-based view. Places with no value in a year are kept with zero, so that
    shares of population count everyone, not only the places value reached.

    Population: mid-year Y counts for financial year Y-(Y+1). A year without its own
    estimate takes the latest earlier one, else (before the first estimate) the
    earliest later one; population_basis says which.

    Deprivation: the newest loaded edition of the English indices, for every year
    (need is judged on today's best measure). Places outside England have their own
    indices, not loaded here: imd_status = 'not_available', never an English rank.
#}

-- A table, not a view: place_need, need_distribution and four data tests read it,
-- and as a view each of them computed it again (about 10 s each on PostgreSQL at a
-- million lines).
{{ config(materialized='table') }}

with

apportioned as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

),

places as (

    select * from {{ ref('int_places') }}

),

population as (

    select * from {{ ref('int_population') }}

),

deprivation as (

    select * from {{ ref('int_deprivation') }}

),

financial_years as (

    select distinct
        financial_year,
        cast(extract(year from financial_year_start) as integer)
            as financial_year_start_year

    from apportioned

),

value_by_place_year as (

    select
        place_code,
        financial_year,
        sum(apportioned_social_value_gbp) as social_value_gbp,
        count(distinct case
            when apportioned_social_value_gbp is not null then line_id
        end) as valued_line_count,
        count(distinct case
            when apportioned_social_value_gbp is null then line_id
        end) as not_valued_line_count,
        bool_or(
            is_illustrative and apportioned_social_value_gbp is not null
        ) as is_illustrative

    from apportioned

    group by
        place_code,
        financial_year

),

population_candidates as (

    select
        places.place_code,
        financial_years.financial_year,
        population.population_year,
        population.population,
        row_number() over (
            partition by places.place_code, financial_years.financial_year
            order by
                -- the latest estimate not after the year first, then the earliest after
                case
                    when population.population_year
                        <= financial_years.financial_year_start_year
                        then 0
                    else 1
                end,
                case
                    when population.population_year
                        <= financial_years.financial_year_start_year
                        then -population.population_year
                    else population.population_year
                end
        ) as preference,
        case
            when population.population_year = financial_years.financial_year_start_year
                then 'own_year'
            when population.population_year < financial_years.financial_year_start_year
                then 'latest_earlier_year'
            else 'earliest_later_year'
        end as population_basis

    from places

    cross join financial_years

    inner join population
        on places.place_code = population.place_code

),

latest_edition as (

    select max(imd_edition) as imd_edition

    from deprivation

),

current_deprivation as (

    select deprivation.*

    from deprivation

    inner join latest_edition
        on deprivation.imd_edition = latest_edition.imd_edition

),

final as (

    select
        places.place_code,
        places.place_name,
        places.region_code,
        places.region_name,
        places.country_code,
        places.country_name,
        places.is_known_place,
        financial_years.financial_year,
        {{ exact_decimal('coalesce(value_by_place_year.social_value_gbp, 0)') }}
            as social_value_gbp,
        coalesce(value_by_place_year.valued_line_count, 0) as valued_line_count,
        coalesce(value_by_place_year.not_valued_line_count, 0) as not_valued_line_count,
        coalesce(value_by_place_year.is_illustrative, false) as is_illustrative,
        population_candidates.population,
        population_candidates.population_year,
        population_candidates.population_basis,
        current_deprivation.imd_edition,
        current_deprivation.imd_score,
        current_deprivation.imd_rank,
        current_deprivation.imd_decile,
        current_deprivation.imd_proportion_most_deprived_10pct,
        current_deprivation.imd_method,
        case
            when current_deprivation.place_code is not null then 'available'
            when places.country_code = 'E92000001' then 'missing'
            else 'not_available'
        end as imd_status

    from places

    cross join financial_years

    left join value_by_place_year
        on
            places.place_code = value_by_place_year.place_code
            and financial_years.financial_year = value_by_place_year.financial_year

    left join population_candidates
        on
            places.place_code = population_candidates.place_code
            and financial_years.financial_year = population_candidates.financial_year
            and population_candidates.preference = 1

    left join current_deprivation
        on places.place_code = current_deprivation.place_code

)

select * from final
