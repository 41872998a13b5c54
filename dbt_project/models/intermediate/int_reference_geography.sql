{#
    Every district code (current or retired), the current district covering it, and
    a current district's upper tier, combined authority, region and country: the
    place_code_successors and places seeds, updated by the geography files loaded
    from the bucket (reference/geography/), in received order:

    - an all-codes file (layout all_codes: every code since 2011 and its successor)
      is the whole geography: the latest one received replaces the seeds, and every
      earlier file, as a whole;
    - a LAD-to-region lookup (layout lad_to_region: current districts only) received
      after that updates the name, region and country of each code it lists and adds
      the codes it lists that are missing, as current districts. It retires no code
      (it has no successors to say so) and brings none back. Where several lookups
      list a code, the latest received wins.

    submission_id is the loaded file the row comes from; NULL for the seeds.
#}

with

seeded_successors as (

    select * from {{ ref('place_code_successors') }}

),

seeded_places as (

    select * from {{ ref('places') }}

),

loaded_rows as (

    select * from {{ ref('stg_reference_geography') }}

),

submissions as (

    select * from {{ ref('stg_submissions') }}

),

loaded as (

    select
        loaded_rows.*,
        -- 1 for the latest file received, 2 for the one before...
        dense_rank() over (
            order by {{ latest_file_first('submissions') }}
        ) as file_recency

    from loaded_rows

    inner join submissions
        on loaded_rows.submission_id = submissions.submission_id

    -- the ledger, not the presence of rows, decides which files count
    where submissions.status = 'loaded'

),

latest_all_codes_file as (

    select min(file_recency) as file_recency

    from loaded

    where layout = 'all_codes'

),

base_from_file as (

    select
        loaded.place_code,
        loaded.place_name,
        loaded.current_place_code,
        loaded.is_current,
        loaded.utla_code,
        loaded.utla_name,
        loaded.combined_authority_code,
        loaded.combined_authority_name,
        loaded.region_code,
        loaded.region_name,
        loaded.country_code,
        loaded.country_name,
        loaded.submission_id

    from loaded

    inner join latest_all_codes_file
        on loaded.file_recency = latest_all_codes_file.file_recency

),

base_from_seeds as (

    select
        seeded_successors.place_code,
        seeded_successors.place_name,
        seeded_successors.current_place_code,
        seeded_successors.is_current,
        seeded_places.utla_code,
        seeded_places.utla_name,
        seeded_places.combined_authority_code,
        seeded_places.combined_authority_name,
        seeded_places.region_code,
        seeded_places.region_name,
        seeded_places.country_code,
        seeded_places.country_name,
        cast(null as bigint) as submission_id

    from seeded_successors

    cross join latest_all_codes_file

    left join seeded_places
        on seeded_successors.place_code = seeded_places.place_code

    -- the seeds count only while no all-codes file was loaded
    where latest_all_codes_file.file_recency is null

),

base as (

    select * from base_from_file
    union all
    select * from base_from_seeds

),

later_lookups as (

    select
        loaded.place_code,
        loaded.place_name,
        loaded.region_code,
        loaded.region_name,
        loaded.country_code,
        loaded.country_name,
        loaded.submission_id,
        row_number() over (
            partition by loaded.place_code order by loaded.file_recency
        ) as recency

    from loaded

    cross join latest_all_codes_file

    where
        loaded.layout = 'lad_to_region'
        and (
            latest_all_codes_file.file_recency is null
            or loaded.file_recency < latest_all_codes_file.file_recency
        )

),

latest_lookup as (

    select * from later_lookups

    where recency = 1

),

updated as (

    select
        base.place_code,
        coalesce(latest_lookup.place_name, base.place_name) as place_name,
        base.current_place_code,
        base.is_current,
        base.utla_code,
        base.utla_name,
        base.combined_authority_code,
        base.combined_authority_name,
        case
            when latest_lookup.place_code is not null then latest_lookup.region_code
            else base.region_code
        end as region_code,
        case
            when latest_lookup.place_code is not null then latest_lookup.region_name
            else base.region_name
        end as region_name,
        coalesce(latest_lookup.country_code, base.country_code) as country_code,
        coalesce(latest_lookup.country_name, base.country_name) as country_name,
        coalesce(latest_lookup.submission_id, base.submission_id) as submission_id

    from base

    left join latest_lookup
        on base.place_code = latest_lookup.place_code

),

added as (

    select
        latest_lookup.place_code,
        latest_lookup.place_name,
        latest_lookup.place_code as current_place_code,
        true as is_current,
        cast(null as varchar) as utla_code,
        cast(null as varchar) as utla_name,
        cast(null as varchar) as combined_authority_code,
        cast(null as varchar) as combined_authority_name,
        latest_lookup.region_code,
        latest_lookup.region_name,
        latest_lookup.country_code,
        latest_lookup.country_name,
        latest_lookup.submission_id

    from latest_lookup

    left join base
        on latest_lookup.place_code = base.place_code

    where base.place_code is null

),

unioned as (

    select * from updated
    union all
    select * from added

)

select * from unioned
