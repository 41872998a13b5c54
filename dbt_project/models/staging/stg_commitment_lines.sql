with

source as (

    select * from {{ source('raw', 'commitment_lines') }}

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
        cast(contract_title as varchar) as contract_title,
        cast(evidence as varchar) as evidence,

        -- numerics
        -- exact decimals from here on (the money macros)
        {{ decimal_from_double('committed_quantity') }} as committed_quantity,
        {{ decimal_from_double('contract_value_gbp') }} as contract_value_gbp,

        -- dates; the commitment's own period as sent (NULL: the contract's)
        cast(contract_start as date) as contract_start,
        cast(contract_end as date) as contract_end,
        cast(commitment_start as date) as submitted_commitment_start,
        cast(commitment_end as date) as submitted_commitment_end

    from source

)

select * from renamed
