with

source as (

    select * from {{ source('raw', 'submissions') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as bigint) as submission_id,
        cast(duplicate_of as bigint) as duplicate_of,
        cast(run_id as varchar) as run_id,

        -- strings
        cast(submitter as varchar) as submitter,
        cast(original_path as varchar) as original_path,
        cast(sha256 as varchar) as sha256,
        cast(file_format as varchar) as file_format,
        cast(status as varchar) as status,
        cast(file_kind as varchar) as file_kind,
        cast(final_location as varchar) as final_location,
        cast(report_location as varchar) as report_location,
        -- JSON array text; left unparsed because JSON functions differ by adapter
        cast(warnings as varchar) as warnings,

        -- numerics
        cast(size_bytes as bigint) as size_bytes,
        cast(line_count as integer) as line_count,
        cast(error_count as integer) as error_count,

        -- timestamps (UTC)
        cast(received_at as timestamp) as received_at,
        cast(processed_at as timestamp) as processed_at

    from source

)

select * from renamed
