{#
    Current commitment lines valued with the catalogue by the same rule as delivered
    lines (the value_lines macro): the committed quantity is the quantity valued, so
    social_value_gbp here is the committed value.
#}

-- depends_on: {{ ref('int_measure_catalogue') }}
-- depends_on: {{ ref('int_crosswalks') }}
-- depends_on: {{ ref('int_local_proxies') }}

with

current_lines as (

    select
        *,
        committed_quantity as quantity

    from {{ ref('int_commitment_lines_current') }}

),

valued as (

    {{ value_lines('current_lines') }}

)

select * from valued
