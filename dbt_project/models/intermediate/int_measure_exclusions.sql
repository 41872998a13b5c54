{#
    The counting rules of the editions in force: one row per measure and a measure
    it must not be counted with (its edition's `excludes`, e.g. NT1c excludes NT1).
#}

with

catalogue as (

    select * from {{ ref('int_measure_catalogue') }}

),

final as (

    select
        edition,
        measure_code,
        -- unnest in the select list splits a list the same way on DuckDB and PostgreSQL
        unnest(string_to_array(excludes, ' ')) as excluded_measure_code

    from catalogue

    where excludes is not null

)

select * from final
