{#
    A measure code alone does not fix a value: proxies are re-based every edition,
    so the catalogue is joined on code and edition together. The join is a left
    join so that a line whose edition is missing from the catalogue still reaches
    the facts (with NULL value) and fails the relationships test loudly, instead of
    disappearing from the totals.
#}

with

current_lines as (

    select * from {{ ref('int_return_lines_current') }}

),

catalogue as (

    select * from {{ ref('measure_catalogue') }}

),

valued as (

    select
        -- every line attribute, whatever staging adds; the catalogue's columns
        -- have names staging does not use (the sender's unit is reported_unit)
        current_lines.*,
        catalogue.theme,
        catalogue.outcome,
        catalogue.unit,
        catalogue.proxy_value_gbp,
        catalogue.is_illustrative,
        -- unrounded: rounding happens once, after totalling
        current_lines.quantity * catalogue.proxy_value_gbp as social_value_gbp

    from current_lines

    left join catalogue
        on
            current_lines.measure_code = catalogue.measure_code
            and current_lines.edition = catalogue.edition

)

select * from valued
