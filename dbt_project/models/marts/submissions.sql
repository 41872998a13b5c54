{#
    Deprecated alias of fct_submissions under its old name, kept for one version so
    BI reports that read marts.submissions keep working; it is removed in the next
    version. The new name no longer shares raw.submissions' name. A view over the
    table, so it always returns exactly its rows.
#}

select * from {{ ref('fct_submissions') }}
