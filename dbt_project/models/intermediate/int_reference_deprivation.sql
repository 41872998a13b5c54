{#
    English Indices of Deprivation by edition and district code, codes as published:
    the deprivation seed, except that a deprivation file loaded from the bucket
    (reference/deprivation/) replaces the seed's rows for each edition it holds.
    When several loaded files hold an edition, the latest received wins it whole.
#}

with

seeded as (

    select * from {{ ref('deprivation') }}

),

loaded_rows as (

    select * from {{ ref('stg_reference_deprivation') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

loaded as (

    select
        loaded_rows.imd_edition,
        loaded_rows.place_code,
        loaded_rows.place_name,
        loaded_rows.imd_average_score,
        loaded_rows.imd_rank_of_average_score,
        loaded_rows.imd_proportion_most_deprived_10pct,
        submissions.submission_id,
        first_value(submissions.submission_id) over (
            partition by loaded_rows.imd_edition
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
        imd_edition,
        place_code,
        place_name,
        imd_average_score,
        imd_rank_of_average_score,
        imd_proportion_most_deprived_10pct,
        submission_id

    from loaded

    where submission_id = latest_submission_id

),

replaced as (

    select distinct imd_edition

    from latest_loaded

),

seeded_not_replaced as (

    select
        seeded.imd_edition,
        seeded.place_code,
        seeded.place_name,
        seeded.imd_average_score,
        seeded.imd_rank_of_average_score,
        seeded.imd_proportion_most_deprived_10pct,
        cast(null as bigint) as submission_id

    from seeded

    left join replaced
        on seeded.imd_edition = replaced.imd_edition

    where replaced.imd_edition is null

),

unioned as (

    select * from seeded_not_replaced
    union all
    select * from latest_loaded

)

select * from unioned
