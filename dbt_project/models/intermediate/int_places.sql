{#
    Every current district (the places seed, or the geography files loaded from the
    bucket: see int_reference_geography), with its upper tier, combined authority,
    region and country. Lines arrive here on current codes (old codes are
    mapped in int_return_lines_current); a code that has never existed (a typo, or a
    district newer than the seed) keeps its totals: it appears with no name or
    region, and its country comes from the GSS code's first letter, so country
    totals stay complete.
#}

-- A table, not a view: it scans every current line, and ten models and data tests
-- read it; as a view each of them would scan them again.
{{ config(materialized='table') }}

with

current_districts as (

    select * from {{ ref('int_reference_geography') }}

    where is_current

),

current_lines as (

    select * from {{ ref('int_return_lines_current') }}

),

known_places as (

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
        true as is_known_place

    from current_districts

),

unseeded_codes as (

    select distinct current_lines.place_code

    from current_lines

    left join current_districts
        on current_lines.place_code = current_districts.place_code

    where current_districts.place_code is null

),

unknown_places as (

    select
        place_code,
        cast(null as varchar) as place_name,
        cast(null as varchar) as utla_code,
        cast(null as varchar) as utla_name,
        cast(null as varchar) as combined_authority_code,
        cast(null as varchar) as combined_authority_name,
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
