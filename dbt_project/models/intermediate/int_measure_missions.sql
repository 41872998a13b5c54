{#
    The Levelling Up mission (2022 white paper, twelve missions) each catalogue
    measure counts towards, and its mission in the 2024 five-mission framing. No public mapping exists: the
    measure_missions seed is this project's own proposal, with a confidence and a
    rationale per row. A measure listed by code takes that row; a measure of another
    edition that the seed does not list takes its theme's default row (confidence
    low). Every measure therefore has exactly one primary mission, so mission totals
    add up to place totals.
#}

with

catalogue as (

    select * from {{ ref('int_measure_catalogue') }}

),

mapping as (

    select * from {{ ref('measure_missions') }}

),

missions as (

    select * from {{ ref('missions') }}

),

matched as (

    select
        catalogue.edition,
        catalogue.measure_code,
        coalesce(by_code.mission_number, by_theme.mission_number) as mission_number,
        coalesce(by_code.mission_2024, by_theme.mission_2024) as mission_2024,
        coalesce(by_code.confidence, by_theme.confidence) as confidence,
        coalesce(by_code.rationale, by_theme.rationale) as rationale,
        coalesce(by_code.source, by_theme.source) as mapping_source,
        by_code.measure_code is null as is_theme_default

    from catalogue

    left join mapping as by_code
        on catalogue.measure_code = by_code.measure_code

    left join mapping as by_theme
        on
            by_theme.measure_code is null
            and catalogue.theme = by_theme.theme

),

final as (

    select
        matched.edition,
        matched.measure_code,
        cast(matched.mission_number as varchar) as mission_2022_code,
        missions_2022.mission_name as mission_2022_name,
        matched.mission_2024 as mission_2024_code,
        missions_2024.mission_name as mission_2024_name,
        matched.confidence,
        matched.rationale,
        matched.mapping_source,
        matched.is_theme_default

    from matched

    left join missions as missions_2022
        on
            missions_2022.framing = 'levelling_up_2022'
            and cast(matched.mission_number as varchar) = missions_2022.mission_code

    left join missions as missions_2024
        on
            missions_2024.framing = 'missions_2024'
            and matched.mission_2024 = missions_2024.mission_code

)

select * from final
