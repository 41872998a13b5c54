{#
    Values lines with the measure catalogue: the one valuation rule, shared by every kind
    of line (delivered returns today; commitments value the same way). `lines` is a CTE
    or relation with measure_code, edition and quantity; every column of it is kept.

    A measure code alone does not fix a value: proxies are re-based every edition, so
    the catalogue is joined on code and edition together. The join is a left join so
    that a line whose edition is missing from the catalogue still reaches the facts
    (with NULL value) and fails the relationships test loudly, instead of disappearing
    from the totals. The catalogue's columns have names lines do not use (the sender's
    unit is reported_unit). Values stay unrounded: rounding happens once, after
    totalling.
#}
{% macro value_lines(lines) -%}
    select
        {{ lines }}.*,
        catalogue.theme,
        catalogue.outcome,
        catalogue.unit,
        catalogue.proxy_value_gbp,
        catalogue.is_illustrative,
        {{ lines }}.quantity * catalogue.proxy_value_gbp as social_value_gbp

    from {{ lines }}

    left join {{ ref('measure_catalogue') }} as catalogue
        on
            {{ lines }}.measure_code = catalogue.measure_code
            and {{ lines }}.edition = catalogue.edition
{%- endmacro %}
