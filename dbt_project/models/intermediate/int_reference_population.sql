{#
    Resident population by district code and mid-year, codes as published: the
    population seed, except that a population file loaded from the bucket
    (reference/population/) replaces the seed's rows for each mid-year it holds.
    When several loaded files hold a year, the latest received wins that year as a
    whole (its districts, not a mix of files).
#}

with

seeded as (

    select * from {{ ref('population') }}

),

loaded_rows as (

    select * from {{ ref('stg_reference_population') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

loaded as (

    select
        loaded_rows.place_code,
        loaded_rows.place_name,
        loaded_rows.population_year,
        loaded_rows.population,
        submissions.submission_id,
        first_value(submissions.submission_id) over (
            partition by loaded_rows.population_year
            order by {{ latest_file_first('submissions') }}
        ) as latest_submission_id

    from loaded_rows

    inner join submissions
        on loaded_rows.submission_id = submissions.submission_id

    -- the ledger, not the presence of rows, decides which files count
    where submissions.status = 'loaded'

),

latest_loaded as (

    select
        place_code,
        place_name,
        population_year,
        population,
        submission_id

    from loaded

    where submission_id = latest_submission_id

),

replaced as (

    select distinct population_year

    from latest_loaded

),

seeded_not_replaced as (

    select
        seeded.place_code,
        seeded.place_name,
        seeded.population_year,
        seeded.population,
        cast(null as bigint) as submission_id

    from seeded

    left join replaced
        on seeded.population_year = replaced.population_year

    where replaced.population_year is null

),

unioned as (

    select * from seeded_not_replaced
    union all
    select * from latest_loaded

)

select * from unioned
