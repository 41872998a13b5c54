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
        current_lines.line_id,
        current_lines.submission_id,
        current_lines.source_row,
        current_lines.submitter,
        current_lines.source_file,
        current_lines.received_at,
        current_lines.organisation_id,
        current_lines.organisation_name,
        current_lines.sector,
        current_lines.contract_ref,
        current_lines.period_start,
        current_lines.period_end,
        current_lines.measure_code,
        current_lines.edition,
        catalogue.theme,
        catalogue.outcome,
        current_lines.quantity,
        current_lines.reported_unit,
        catalogue.unit,
        catalogue.proxy_value_gbp,
        catalogue.is_illustrative,
        -- unrounded: rounding happens once, after totalling
        current_lines.quantity * catalogue.proxy_value_gbp as social_value_gbp,
        current_lines.place_code,
        current_lines.evidence

    from current_lines

    left join catalogue
        on
            current_lines.measure_code = catalogue.measure_code
            and current_lines.edition = catalogue.edition

)

select * from valued
