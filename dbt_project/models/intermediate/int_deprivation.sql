{#
    English Indices of Deprivation on current districts, one row per edition and
    current district. An edition is published on the codes of its day (IoD 2019 on
    2019 codes, IoD 2025 on 2024 codes); a district recoded since keeps its figures
    ('recoded'), and districts merged since are combined:

    - score and share of small areas in the most deprived 10%: the average of the
      merged districts weighted by their population, from the latest population
      estimate published on their own code ('population_weighted'); when any of
      them has no such estimate, the plain average ('unweighted_mean');
    - rank: every district of the edition is re-ranked by score within the edition
      on today's geography (1 = most deprived), ties broken by the published rank,
      so an edition with no mergers keeps its published ranks;
    - decile: 1 = the most deprived tenth of the edition's districts by that rank.

    The published rank is kept beside the re-ranked one for unchanged districts.
    Figures and weights are the seeds', or loaded files' for the editions and years
    they hold (int_reference_deprivation, int_reference_population).
#}

with

deprivation as (

    select * from {{ ref('int_reference_deprivation') }}

),

successors as (

    select * from {{ ref('int_place_code_successors') }}

),

population as (

    select * from {{ ref('int_reference_population') }}

),

latest_population_by_published_code as (

    select
        place_code,
        population

    from (
        select
            place_code,
            population,
            row_number() over (
                partition by place_code order by population_year desc
            ) as recency
        from population
    ) as ranked

    where recency = 1

),

on_current_codes as (

    select
        deprivation.imd_edition,
        coalesce(successors.current_place_code, deprivation.place_code) as place_code,
        deprivation.place_code as published_place_code,
        deprivation.imd_average_score,
        deprivation.imd_rank_of_average_score,
        deprivation.imd_proportion_most_deprived_10pct,
        weights.population as weight

    from deprivation

    left join successors
        on deprivation.place_code = successors.place_code

    left join latest_population_by_published_code as weights
        on deprivation.place_code = weights.place_code

),

combined as (

    select
        imd_edition,
        place_code,
        count(*) as published_code_count,
        count(weight) as weighted_code_count,
        bool_or(published_place_code <> place_code) as includes_older_codes,
        avg(imd_average_score) as mean_score,
        avg(imd_proportion_most_deprived_10pct) as mean_proportion,
        sum(imd_average_score * weight) / sum(weight) as weighted_score,
        sum(imd_proportion_most_deprived_10pct * weight)
        / sum(weight) as weighted_proportion,
        -- meaningful only when one published district maps here
        min(imd_rank_of_average_score) as published_rank

    from on_current_codes

    group by
        imd_edition,
        place_code

),

methods as (

    select
        imd_edition,
        place_code,
        case
            when published_code_count = 1 and not includes_older_codes
                then 'as_published'
            when published_code_count = 1 then 'recoded'
            when weighted_code_count = published_code_count
                then 'population_weighted'
            else 'unweighted_mean'
        end as imd_method,
        case
            when published_code_count = 1 then mean_score
            when weighted_code_count = published_code_count then weighted_score
            else mean_score
        end as imd_score,
        case
            when published_code_count = 1 then mean_proportion
            when weighted_code_count = published_code_count then weighted_proportion
            else mean_proportion
        end as imd_proportion_most_deprived_10pct,
        case when published_code_count = 1 then published_rank end as imd_published_rank,
        published_code_count

    from combined

),

ranked as (

    select
        *,
        row_number() over (
            partition by imd_edition
            order by imd_score desc, imd_published_rank asc nulls last, place_code asc
        ) as imd_rank,
        count(*) over (partition by imd_edition) as imd_district_count

    from methods

),

final as (

    select
        imd_edition,
        place_code,
        imd_score,
        imd_rank,
        imd_district_count,
        cast(floor((imd_rank - 1) * 10.0 / imd_district_count) as integer) + 1
            as imd_decile,
        imd_proportion_most_deprived_10pct,
        imd_published_rank,
        imd_method,
        published_code_count

    from ranked

)

select * from final
