with

source as (

    select * from {{ source('raw', 'reference_population') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,

        -- strings
        cast(place_code as varchar) as place_code,
        cast(place_name as varchar) as place_name,

        -- numerics
        cast(population_year as integer) as population_year,
        cast(population as bigint) as population

    from source

)

select * from renamed
