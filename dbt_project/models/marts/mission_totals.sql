{#
    Social value by mission, place and financial year, through the project's
    proposed measure-to-mission mapping (int_measure_missions: one primary mission
    per measure in each framing). Two framings, each a complete set of rows:
    'levelling_up_2022' (the twelve Levelling Up missions) and 'missions_2024' (the
    five missions government has framed policy by since 2024). Within one framing a
    place's mission totals add up to its total. Rounded to pence once.
#}

{% set framings = [
    ('levelling_up_2022', 'mission_2022_code', 'mission_2022_name'),
    ('missions_2024', 'mission_2024_code', 'mission_2024_name'),
] %}

with

apportioned as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

    where apportioned_social_value_gbp is not null

),

measure_missions as (

    select * from {{ ref('int_measure_missions') }}

),

places as (

    select * from {{ ref('int_places') }}

),

lines_with_missions as (

    select
        apportioned.line_id,
        apportioned.place_code,
        apportioned.financial_year,
        apportioned.apportioned_social_value_gbp,
        apportioned.is_illustrative,
        measure_missions.*

    from apportioned

    inner join measure_missions
        on
            apportioned.valued_edition = measure_missions.edition
            and apportioned.valued_measure_code = measure_missions.measure_code

),

unioned as (

    {% for framing, code_column, name_column in framings %}
        select
            cast('{{ framing }}' as varchar) as framing,
            {{ code_column }} as mission_code,
            {{ name_column }} as mission_name,
            place_code,
            financial_year,
            sum(apportioned_social_value_gbp) as social_value_gbp,
            count(distinct line_id) as line_count,
            bool_or(confidence = 'low') as includes_low_confidence_mapping,
            bool_or(is_illustrative) as is_illustrative

        from lines_with_missions

        group by
            {{ code_column }},
            {{ name_column }},
            place_code,
            financial_year
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        unioned.framing,
        unioned.mission_code,
        unioned.mission_name,
        unioned.place_code,
        places.place_name,
        places.region_code,
        unioned.financial_year,
        {{ round_to_pence('unioned.social_value_gbp') }} as social_value_gbp,
        unioned.line_count,
        unioned.includes_low_confidence_mapping,
        unioned.is_illustrative

    from unioned

    left join places
        on unioned.place_code = places.place_code

)

select * from final
