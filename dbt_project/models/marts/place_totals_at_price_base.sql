{#
    One price base: every valued line re-priced at one edition, so that years valued
    under different editions compare. The base is SVW_PRICE_BASE_EDITION, else the
    newest loaded edition that is not illustrative (the latest edition file
    loaded), else the default edition (SVW_DEFAULT_EDITION).

    A line is re-priced as valued_quantity x the base edition's proxy for its
    measure (its local proxy in the line's place, for a localised measure). A line
    whose measure has no value in the base edition (missing, record-only there, or
    localised without a local proxy) is counted separately, with its value as
    valued, never dropped. Lines that were not valued at all are in neither figure
    (fct_social_value.valuation_status). Sums are unrounded until the end.
#}

with

apportioned as (

    select * from {{ ref('int_return_lines_by_financial_year') }}

),

catalogue as (

    select * from {{ ref('int_measure_catalogue') }}

),

local_proxies as (

    select * from {{ ref('int_local_proxies') }}

),

places as (

    select * from {{ ref('int_places') }}

),

newest_loaded as (

    select edition

    from catalogue

    where not is_illustrative and edition_submission_id is not null

    order by edition_submission_id desc

    limit 1

),

base as (

    select
        coalesce(
            nullif('{{ var("price_base_edition") }}', ''),
            (select edition from newest_loaded),
            '{{ var("default_edition") }}'
        ) as base_edition

),

repriced as (

    select
        apportioned.place_code,
        apportioned.financial_year,
        base.base_edition,
        apportioned.line_id,
        apportioned.apportioned_social_value_gbp,
        {{ exact_decimal(
            'apportioned.apportioned_valued_quantity * case'
            ~ " when base_measure.value_type = 'localised' then base_local.proxy_value_gbp"
            ~ " when base_measure.value_type = 'proxy' then base_measure.proxy_value_gbp end"
        ) }} as base_social_value_gbp,
        base_measure.is_illustrative as base_is_illustrative

    from apportioned

    cross join base

    left join catalogue as base_measure
        on
            base.base_edition = base_measure.edition
            and apportioned.valued_measure_code = base_measure.measure_code

    left join local_proxies as base_local
        on
            base_measure.edition = base_local.edition
            and base_measure.measure_code = base_local.measure_code
            and apportioned.place_code = base_local.place_code

    where apportioned.valuation_status = 'valued'

),

totals as (

    select
        place_code,
        financial_year,
        base_edition,
        sum(apportioned_social_value_gbp) as social_value_gbp,
        sum(base_social_value_gbp) as social_value_at_base_gbp,
        count(distinct case
            when base_social_value_gbp is not null then line_id
        end) as repriced_line_count,
        count(distinct case
            when base_social_value_gbp is null then line_id
        end) as not_repriced_line_count,
        sum(case
            when base_social_value_gbp is null then apportioned_social_value_gbp
        end) as not_repriced_social_value_gbp,
        coalesce(bool_or(base_is_illustrative), false) as is_illustrative

    from repriced

    group by
        place_code,
        financial_year,
        base_edition

),

final as (

    select
        totals.place_code,
        places.place_name,
        totals.financial_year,
        totals.base_edition,
        {{ round_to_pence('totals.social_value_gbp') }} as social_value_gbp,
        {{ round_to_pence('coalesce(totals.social_value_at_base_gbp, 0)') }}
            as social_value_at_base_gbp,
        totals.repriced_line_count,
        totals.not_repriced_line_count,
        {{ round_to_pence('coalesce(totals.not_repriced_social_value_gbp, 0)') }}
            as not_repriced_social_value_gbp,
        totals.is_illustrative

    from totals

    left join places
        on totals.place_code = places.place_code

)

select * from final
