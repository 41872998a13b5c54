{#
    Double counting: pairs of current lines of one return (the same file,
    organisation, contract and period) whose measures an edition says must not be
    counted together (its `excludes`, e.g. NT1c excludes NT1). They are warnings,
    not rejections: the totals count both lines as submitted, and the rule says so.
    The sender saw the same warning when the file was loaded (ingest.staging).
#}

with

lines as (

    select * from {{ ref('int_return_lines_valued') }}

),

exclusions as (

    select * from {{ ref('int_measure_exclusions') }}

),

final as (

    select
        lines.submission_id,
        lines.source_file,
        lines.source_row,
        lines.valued_edition as edition,
        lines.valued_measure_code as measure_code,
        conflicting.source_row as conflicting_source_row,
        conflicting.valued_measure_code as conflicting_measure_code,
        lines.organisation_id,
        lines.contract_ref,
        lines.period_start,
        lines.period_end,
        'In edition ' || lines.valued_edition || ', ' || lines.valued_measure_code
        || ' must not be counted with ' || conflicting.valued_measure_code
        || '; both lines are counted as submitted.' as counting_rule

    from lines

    inner join exclusions
        on
            lines.valued_edition = exclusions.edition
            and lines.valued_measure_code = exclusions.measure_code

    inner join lines as conflicting
        on
            lines.submission_id = conflicting.submission_id
            and lines.organisation_id = conflicting.organisation_id
            and lines.contract_ref is not distinct from conflicting.contract_ref
            and lines.period_start = conflicting.period_start
            and lines.period_end = conflicting.period_end
            and lines.valued_edition = conflicting.valued_edition
            and lower(exclusions.excluded_measure_code)
            = lower(conflicting.valued_measure_code)

)

select * from final
