"""The measure codes a return may use: the catalogue in force when a file is checked.

The gate runs before dbt, yet must know the editions and crosswalks loaded from the
bucket, including those loaded earlier in the same run (reference files go first). So
ingestion rebuilds ``KNOWN_MEASURES_TABLE`` (a small table in ``landing``) from this
SQL before it stages each file: the shipped seed, except editions a loaded file
replaced, plus the latest version of each loaded edition and crosswalk family. The
version of a loaded file is numbered at load (``ingest.raw_tables``), so "in force"
is simply "the highest version": dbt's ``int_measure_catalogue`` and
``int_crosswalks`` say the same for the facts.

One row per code a line may name: ``framework`` is an edition, or a crosswalk family
whose code counts as ``to_edition``/``to_code`` (NULL ``to_code``: known, mapped to
nothing). ``unit`` is the edition's, NULL for a family (its unit is the family's own).
"""

from __future__ import annotations

from expectations.vocabulary import MEASURE_CATALOGUE_TABLE

KNOWN_MEASURES_TABLE = "landing.known_measures"
FRAMEWORKS_TABLE = "raw.reference_frameworks"
CROSSWALKS_TABLE = "raw.reference_crosswalks"


def _latest(table: str, key: str) -> str:
    return (
        f"select * from {table} as loaded where loaded.version = "
        f"(select max(other.version) from {table} as other where other.{key} = loaded.{key})"
    )


KNOWN_MEASURES_SQL = f"""
with
loaded_editions as ({_latest(FRAMEWORKS_TABLE, "edition")}),
editions as (
    select edition, measure_code, unit, value_type, excludes from loaded_editions
    union all
    select
        seeded.edition, seeded.measure_code, seeded.unit,
        case when seeded.proxy_value_gbp is null then 'record_only' else 'proxy' end,
        cast(null as varchar)
    from {MEASURE_CATALOGUE_TABLE} as seeded
    where not exists (select 1 from loaded_editions where loaded_editions.edition = seeded.edition)
),
crosswalks as ({_latest(CROSSWALKS_TABLE, "from_framework")})
select
    edition as framework, measure_code, unit, edition as to_edition, measure_code as to_code,
    value_type, excludes, false as is_crosswalk
from editions
union all
select
    crosswalks.from_framework, crosswalks.from_code, cast(null as varchar),
    crosswalks.to_edition, crosswalks.to_code, target.value_type, target.excludes, true
from crosswalks
left join editions as target
    on target.edition = crosswalks.to_edition and target.measure_code = crosswalks.to_code
"""
