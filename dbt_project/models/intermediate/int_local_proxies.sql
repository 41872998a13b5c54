{#
    The local proxies in force: for each edition, the rows of the latest loaded
    local proxies file that holds it (the highest version, numbered at load).
#}

with

loaded_rows as (

    select * from {{ ref('stg_reference_local_proxies') }}

),

loaded as (

    {{ versions_in_force('loaded_rows', 'local_proxies_version', 'edition') }}

),

final as (

    select
        edition,
        measure_code,
        place_code,
        proxy_value_gbp,
        source,
        local_proxies_version,
        submission_id

    from loaded

    where is_current_version

)

select * from final
