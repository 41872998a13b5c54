{#
    Resident population by current district and mid-year. Estimates are published on
    the geography of their day: a mid-2021 estimate lists Allerdale, Carlisle and
    Copeland, which are one district (Cumberland) today. Each published code is moved
    onto its current successor and the populations of merged districts are added up,
    so every year is on today's districts. Estimates are the seed's, or a loaded
    file's for the years it holds (int_reference_population).
#}

with

population as (

    select * from {{ ref('int_reference_population') }}

),

successors as (

    select * from {{ ref('int_place_code_successors') }}

),

on_current_codes as (

    select
        coalesce(successors.current_place_code, population.place_code) as place_code,
        population.place_code as published_place_code,
        population.population_year,
        population.population

    from population

    left join successors
        on population.place_code = successors.place_code

),

final as (

    select
        place_code,
        population_year,
        sum(population) as population,
        count(*) as published_code_count,
        -- true when an older code's population was added in (a merger or recode)
        bool_or(published_place_code <> place_code) as includes_older_codes

    from on_current_codes

    group by
        place_code,
        population_year

)

select * from final
