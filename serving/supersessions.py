"""What the files of one run replaced, and how many of their lines count, read from the marts.

The rule and the sentence that says it live in dbt (``marts.fct_supersessions``, built from
``int_return_lines_history``); this module only reads them back for the run summary
(``svw run``) and the sender's report of a file that replaced earlier lines, so both
print the same words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass(frozen=True)
class RunLines:
    """Delivery-return lines the run loaded, and how many of them count after the build."""

    loaded: int
    counting: int

    def __str__(self) -> str:
        return f"{self.counting} of the {self.loaded} loaded"


# How many of a file's replaced returns the run summary and the Dagster UI name: a
# resubmission can replace hundreds (621 in `make bench-large`'s second file), and the
# sender's report beside the file lists every one.
NOTICES_SHOWN = 5


@dataclass
class ReplacingFile:
    """A file of the run that holds the current version of returns earlier files held."""

    submission_id: int
    original_path: str
    final_location: str
    line_count: int
    current_line_count: int
    replaced_line_count: int  # earlier lines that no longer count because of this file
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # one sentence per file and return

    def notices_shown(self, limit: int = NOTICES_SHOWN) -> list[str]:
        """The first ``limit`` notices and, if there are more, one sentence counting them."""
        if len(self.notices) <= limit:
            return list(self.notices)
        more = len(self.notices) - limit
        return [
            *self.notices[:limit],
            f"... and {more} more {'return' if more == 1 else 'returns'} replaced by file "
            f"{self.original_path}: in all {self.replaced_line_count} earlier lines no longer "
            "count (the sender's report lists every return)",
        ]


_RUN_LINES_SQL = """
    select coalesce(sum(line_count), 0), coalesce(sum(current_line_count), 0)
    from marts.fct_submissions
    where run_id = :run_id and status = 'loaded' and file_kind = 'return'
"""

_REPLACED_SQL = """
    select
        replaced.superseding_submission_id, files.original_path, files.final_location,
        files.line_count, files.current_line_count, files.replaced_line_count,
        files.warnings, replaced.notice
    from marts.fct_supersessions as replaced
    inner join marts.fct_submissions as files
        on replaced.superseding_submission_id = files.submission_id
    where replaced.superseding_run_id = :run_id
    order by
        replaced.superseding_submission_id, replaced.superseded_submission_id,
        replaced.organisation_id, replaced.contract_ref, replaced.period_start,
        replaced.period_end
"""


def run_lines(connection: sa.Connection, run_id: str) -> RunLines:
    """Lines of the run's loaded delivery returns, and those still counting."""
    loaded, counting = connection.execute(sa.text(_RUN_LINES_SQL), {"run_id": run_id}).one()
    return RunLines(int(loaded), int(counting))


def replacing_files(connection: sa.Connection, run_id: str) -> list[ReplacingFile]:
    """Every file of the run that replaced earlier lines, with what it replaced."""
    files: dict[int, ReplacingFile] = {}
    rows = connection.execute(sa.text(_REPLACED_SQL), {"run_id": run_id}).all()
    for submission_id, path, final, lines, current, replaced, warnings, notice in rows:
        replacing = files.setdefault(
            submission_id,
            ReplacingFile(
                int(submission_id),
                path,
                final,
                int(lines),
                int(current),
                int(replaced),
                json.loads(warnings or "[]"),
            ),
        )
        replacing.notices.append(notice)
    return list(files.values())
