{#
    Current delivered lines valued with the catalogue (the value_lines macro holds the
    rule, so every kind of line is valued alike).
#}

-- depends_on: {{ ref('int_measure_catalogue') }}
-- depends_on: {{ ref('int_crosswalks') }}
-- depends_on: {{ ref('int_local_proxies') }}

with

current_lines as (

    select * from {{ ref('int_return_lines_current') }}

),

valued as (

    {{ value_lines('current_lines') }}

)

select * from valued
