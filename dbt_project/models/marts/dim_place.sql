with

places as (

    select * from {{ ref('int_places') }}

),

final as (

    select
        place_code,
        place_name,
        utla_code,
        utla_name,
        combined_authority_code,
        combined_authority_name,
        region_code,
        region_name,
        country_code,
        country_name,
        is_known_place

    from places

)

select * from final
