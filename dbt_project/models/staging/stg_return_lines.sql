with

source as (

    select * from {{ source('raw', 'return_lines') }}

),

renamed as (

    select
        -- ids
        cast(submission_id as varchar)
        || '-'
        || cast(source_row as varchar) as line_id,
        cast(submission_id as bigint) as submission_id,
        cast(source_row as integer) as source_row,
        cast(organisation_id as varchar) as organisation_id,
        cast(contract_ref as varchar) as contract_ref,
        cast(measure_code as varchar) as measure_code,
        cast(edition as varchar) as edition,
        -- the code as sent; intermediate maps it onto the current district code
        cast(place_code as varchar) as submitted_place_code,

        -- strings
        cast(submitter as varchar) as submitter,
        cast(organisation_name as varchar) as organisation_name,
        cast(sector as varchar) as sector,
        -- the sender's unit, kept for audit; the catalogue's unit is authoritative
        cast(unit as varchar) as reported_unit,
        cast(evidence as varchar) as evidence,

        -- numerics
        -- exact decimals from here on (the money macros)
        {{ decimal_from_double('quantity') }} as quantity,

        -- dates
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end

    from source

)

select * from renamed
