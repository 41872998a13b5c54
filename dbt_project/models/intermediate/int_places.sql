{#
    Returns may name any well-formed district code, including ones the places seed
    does not list yet (new codes after boundary changes, say). Those places keep
    their totals: they appear here with no name or region. The country is still
    known from the GSS code's first letter, so country totals stay complete.
#}

with

seeded_places as (

    select * from {{ ref('places') }}

),

current_lines as (

    select * from {{ ref('int_return_lines_current') }}

),

known_places as (

    select
        place_code,
        place_name,
        region_code,
        region_name,
        country_code,
        country_name,
        true as is_known_place

    from seeded_places

),

unseeded_codes as (

    select distinct current_lines.place_code

    from current_lines

    left join seeded_places
        on current_lines.place_code = seeded_places.place_code

    where seeded_places.place_code is null

),

unknown_places as (

    select
        place_code,
        cast(null as varchar) as place_name,
        cast(null as varchar) as region_code,
        cast(null as varchar) as region_name,
        case left(place_code, 1)
            when 'E' then 'E92000001'
            when 'W' then 'W92000004'
            when 'S' then 'S92000003'
            when 'N' then 'N92000002'
        end as country_code,
        case left(place_code, 1)
            when 'E' then 'England'
            when 'W' then 'Wales'
            when 'S' then 'Scotland'
            when 'N' then 'Northern Ireland'
        end as country_name,
        false as is_known_place

    from unseeded_codes

),

unioned as (

    select * from known_places
    union all
    select * from unknown_places

)

select * from unioned
