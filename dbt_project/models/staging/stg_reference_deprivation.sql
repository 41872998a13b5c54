with

source as (

    select * from {{ source('raw', 'reference_deprivation') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,

        -- strings
        cast(imd_edition as varchar) as imd_edition,
        cast(place_code as varchar) as place_code,
        cast(place_name as varchar) as place_name,

        -- numerics
        cast(imd_average_score as double precision) as imd_average_score,
        cast(imd_rank_of_average_score as integer) as imd_rank_of_average_score,
        cast(
            imd_proportion_most_deprived_10pct as double precision
        ) as imd_proportion_most_deprived_10pct

    from source

)

select * from renamed
