{#
    The crosswalks in force: for each framework family, the rows of the latest
    loaded crosswalk file that holds it (the highest version, numbered at load).
#}

with

loaded_rows as (

    select * from {{ ref('stg_reference_crosswalks') }}

),

loaded as (

    {{ versions_in_force('loaded_rows', 'crosswalk_version', 'from_framework') }}

),

final as (

    select
        from_framework,
        from_code,
        to_edition,
        to_code,
        factor,
        note,
        crosswalk_version,
        submission_id,
        source_row

    from loaded

    where is_current_version

)

select * from final
