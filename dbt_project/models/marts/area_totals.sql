{#
    Social value for every kind of area: district (lad), upper-tier authority
    (utla), combined authority, region, country and the UK, by financial year, theme
    and sector. Every level is summed from district lines, so a county's total is
    the sum of its districts and a county code is never added to district figures.
    A district belongs to at most one area of each level; levels it has no area at
    (no combined authority; no region outside England, as ONS has it) are skipped,
    so a level's totals cover only the districts inside its areas. Apportioned
    values are summed unrounded and rounded to pence once.
#}

{% set levels = [
    ('lad', 'place_code', 'place_name'),
    ('utla', 'utla_code', 'utla_name'),
    ('combined_authority', 'combined_authority_code', 'combined_authority_name'),
    ('region', 'region_code', 'region_name'),
    ('country', 'country_code', 'country_name'),
    ('uk', "'K02000001'", "'United Kingdom'"),
] %}

with

apportioned as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

    where apportioned_social_value_gbp is not null

),

places as (

    select * from {{ ref('int_places') }}

),

lines_in_areas as (

    select
        apportioned.organisation_id,
        apportioned.financial_year,
        apportioned.theme,
        apportioned.sector,
        apportioned.apportioned_social_value_gbp,
        apportioned.is_illustrative,
        places.*

    from apportioned

    inner join places
        on apportioned.place_code = places.place_code

),

{% for area_type, code_column, name_column in levels %}
    {{ area_type }}_totals as (

        select
            cast('{{ area_type }}' as varchar) as area_type,
            cast({{ code_column }} as varchar) as area_code,
            cast({{ name_column }} as varchar) as area_name,
            financial_year,
            theme,
            sector,
            sum(apportioned_social_value_gbp) as social_value_gbp,
            count(distinct place_code) as district_count,
            -- a line has one row a financial year (the unique test of its source), so
            -- within a year's group each row is another line: no distinct needed
            count(*) as line_count,
            count(distinct organisation_id) as organisation_count,
            bool_or(is_illustrative) as is_illustrative

        from lines_in_areas

        where {{ code_column }} is not null

        -- by the output names: the UK level's code is a constant, which PostgreSQL
        -- refuses as a GROUP BY term
        group by
            area_code,
            area_name,
            financial_year,
            theme,
            sector

    ),

{% endfor %}

unioned as (

    {% for area_type, _, _ in levels %}
        select * from {{ area_type }}_totals
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        area_type,
        area_code,
        area_name,
        financial_year,
        theme,
        sector,
        {{ round_to_pence('social_value_gbp') }} as social_value_gbp,
        district_count,
        line_count,
        organisation_count,
        is_illustrative

    from unioned

)

select * from final
