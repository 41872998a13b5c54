with

source as (

    select * from {{ source('raw', 'reference_crosswalks') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,
        cast(from_framework as varchar) as from_framework,
        cast(from_code as varchar) as from_code,
        cast(to_edition as varchar) as to_edition,
        cast(to_code as varchar) as to_code,

        -- strings
        cast(note as varchar) as note,

        -- numerics
        {{ decimal_from_double('factor') }} as factor,
        cast(version as integer) as crosswalk_version

    from source

)

select * from renamed
