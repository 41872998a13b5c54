{#
    Deprecated alias of fct_place_totals under its old name, kept for one version so
    BI reports that read marts.place_totals keep working; it is removed in the next
    version. A view over the table, so it always returns exactly its rows.
#}

select * from {{ ref('fct_place_totals') }}
