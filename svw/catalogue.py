"""`svw catalogue list`: the editions and versions the published marts hold."""

from __future__ import annotations

import sqlalchemy as sa

from configuration import Settings
from serving.published import published_connection

_EDITIONS = """
select edition, edition_version, is_current_version, measure_count,
       record_only_measure_count, localised_measure_count, is_illustrative, licence,
       source_file
from marts.measure_editions
order by edition, edition_version
"""


def edition_lines(settings: Settings) -> list[str]:
    """One line per edition version, current ones marked, as `svw catalogue list` prints."""
    with published_connection(settings.warehouse, settings.serving_path) as connection:
        rows = connection.execute(sa.text(_EDITIONS)).all()
    lines = []
    for (
        edition,
        version,
        current,
        measures,
        record_only,
        localised,
        invented,
        licence,
        file,
    ) in rows:
        lines.append(
            f"{'*' if current else ' '} {edition} v{version}: {measures} measures "
            f"({record_only} record-only, {localised} localised); licence {licence or '-'}; "
            f"{'ILLUSTRATIVE' if invented else 'not illustrative'}; "
            f"{file or 'shipped with the project'}"
        )
    default = settings.default_edition
    return lines + [f"(* in force; lines without a framework use {default})"]
