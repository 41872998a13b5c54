with

source as (

    select * from {{ source('raw', 'reference_frameworks') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,
        cast(edition as varchar) as edition,
        cast(measure_code as varchar) as measure_code,

        -- strings
        cast(theme as varchar) as theme,
        cast(outcome as varchar) as outcome,
        cast(description as varchar) as description,
        cast(unit as varchar) as unit,
        cast(value_type as varchar) as value_type,
        cast(excludes as varchar) as excludes,
        -- source is the seed's name, though sqlfluff counts it a keyword
        cast(source as varchar) as source,  -- noqa: RF04
        cast(licence as varchar) as licence,

        -- numerics
        {{ decimal_from_double('proxy_value_gbp') }} as proxy_value_gbp,
        cast(version as integer) as edition_version,

        -- booleans
        cast(is_illustrative as boolean) as is_illustrative

    from source

)

select * from renamed
