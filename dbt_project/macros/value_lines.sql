{#
    Values lines with the catalogue in force: the one valuation rule, shared by every
    kind of line (delivered returns, commitments). `lines` is a CTE or relation with
    measure_code, edition (the line's framework as submitted: an edition, or a
    crosswalk family such as ECC or PPN002), place_code (the current district) and
    quantity; every column of it is kept, and these are added:

    - valued_edition, valued_measure_code: what the line is valued as. A framework
      that names a crosswalk family maps the code through the family's crosswalk in
      force (int_crosswalks) onto its target edition; else the line's own.
    - valued_quantity: quantity x the crosswalk's unit factor (1 without one).
    - edition_version, edition_submission_id: the version of the edition that
      valued it (0: the shipped seed), and the file it came from.
    - crosswalk_submission_id, crosswalk_source_row, crosswalk_factor: the crosswalk
      row used, if any.
    - theme, outcome, unit (the edition's), proxy_value_gbp, is_illustrative.
    - valuation_status: 'valued'; 'record_only' (never given pounds); 'no_local_proxy'
      (a localised measure with no local proxy for its edition and place); or
      'not_mapped' (a crosswalk code that maps to no measure: kept as a quantity
      under its own framework). NULL only when the line's code is missing from the
      catalogue, which the relationships tests then fail loudly.
    - social_value_gbp: valued_quantity x proxy, unrounded (decimal(38, 10), like
      every amount here: macros/money.sql); NULL unless valued.

    Proxies are re-based every edition, so the catalogue is joined on code and
    edition together; a localised measure takes the local proxy of (edition,
    measure, place) instead of any national one. Left joins: no line disappears
    from the facts. Rounding happens once, after totalling.
#}
{% macro value_lines(lines) -%}
    select
        priced.*,
        {{ exact_decimal('priced.valued_quantity * priced.proxy_value_gbp') }} as social_value_gbp

    from (

    select
        {{ lines }}.*,
        coalesce(crosswalk.to_edition, {{ lines }}.edition) as valued_edition,
        coalesce(crosswalk.to_code, {{ lines }}.measure_code) as valued_measure_code,
        {{ exact_decimal(lines ~ '.quantity * coalesce(crosswalk.factor, 1)') }} as valued_quantity,
        catalogue.edition_version,
        catalogue.edition_submission_id,
        crosswalk.submission_id as crosswalk_submission_id,
        crosswalk.source_row as crosswalk_source_row,
        crosswalk.factor as crosswalk_factor,
        catalogue.theme,
        catalogue.outcome,
        catalogue.unit,
        -- cast: PostgreSQL drops the decimal's scale from a CASE over two columns
        {{ exact_decimal(
            "case when catalogue.value_type = 'localised' then local_proxy.proxy_value_gbp"
            ~ " when catalogue.value_type = 'proxy' then catalogue.proxy_value_gbp end"
        ) }} as proxy_value_gbp,
        catalogue.is_illustrative,
        case
            when crosswalk.from_code is not null and crosswalk.to_code is null
                then 'not_mapped'
            when catalogue.value_type = 'record_only' then 'record_only'
            when
                catalogue.value_type = 'localised'
                and local_proxy.proxy_value_gbp is null
                then 'no_local_proxy'
            when catalogue.measure_code is not null then 'valued'
        end as valuation_status

    from {{ lines }}

    left join {{ ref('int_crosswalks') }} as crosswalk
        on
            {{ lines }}.edition = crosswalk.from_framework
            and {{ lines }}.measure_code = crosswalk.from_code

    left join {{ ref('int_measure_catalogue') }} as catalogue
        on
            coalesce(crosswalk.to_edition, {{ lines }}.edition) = catalogue.edition
            and coalesce(crosswalk.to_code, {{ lines }}.measure_code)
            = catalogue.measure_code

    left join {{ ref('int_local_proxies') }} as local_proxy
        on
            catalogue.edition = local_proxy.edition
            and catalogue.measure_code = local_proxy.measure_code
            and {{ lines }}.place_code = local_proxy.place_code

    ) as priced
{%- endmacro %}
