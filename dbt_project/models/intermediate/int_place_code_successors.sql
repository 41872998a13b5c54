{#
    Every district code a return may give (any lower-tier code since 2011) and the
    current code that covers it today (the seed, or the geography files loaded from
    the bucket: see int_reference_geography). Current codes map to themselves; merged
    districts (the April 2023 Cumberland, Westmorland and Furness, North Yorkshire and
    Somerset unitaries, the 2021 Northamptonshire ones, ...) and recoded ones
    (Barnsley and Sheffield in 2025) map to their successor.
#}

with

successors as (

    select * from {{ ref('int_reference_geography') }}

),

final as (

    select
        place_code,
        place_name,
        current_place_code,
        is_current

    from successors

)

select * from final
