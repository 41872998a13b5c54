with

source as (

    select * from {{ source('raw', 'reference_local_proxies') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,
        cast(edition as varchar) as edition,
        cast(measure_code as varchar) as measure_code,
        cast(place_code as varchar) as place_code,

        -- strings
        -- source is the seed's name, though sqlfluff counts it a keyword
        cast(source as varchar) as source,  -- noqa: RF04

        -- numerics
        {{ decimal_from_double('proxy_value_gbp') }} as proxy_value_gbp,
        cast(version as integer) as local_proxies_version

    from source

)

select * from renamed
