with

source as (

    select * from {{ source('raw', 'reference_geography') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,

        -- strings
        cast(place_code as varchar) as place_code,
        cast(place_name as varchar) as place_name,
        cast(current_place_code as varchar) as current_place_code,
        cast(utla_code as varchar) as utla_code,
        cast(utla_name as varchar) as utla_name,
        cast(combined_authority_code as varchar) as combined_authority_code,
        cast(combined_authority_name as varchar) as combined_authority_name,
        cast(region_code as varchar) as region_code,
        cast(region_name as varchar) as region_name,
        cast(country_code as varchar) as country_code,
        cast(country_name as varchar) as country_name,
        cast(vintage as varchar) as vintage,
        cast(layout as varchar) as layout,

        -- booleans
        cast(is_current as boolean) as is_current

    from source

)

select * from renamed
