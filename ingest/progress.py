"""How far long work has got: live bars on a terminal, log lines otherwise.

When ``svw run`` is started on a terminal, ingestion shows the files checked out of
those pending (with an ETA) and the lines read of the file being checked. Anywhere else
(the Dagster daemon, a pipe, tests) the same milestones are plain log lines. Steps that
go through many things (dbt's models and tests) show a bar of them on a terminal too.

Whether there is a terminal is decided when this module is imported, before Dagster
runs a step: Dagster then points the process's stderr at its compute log, and bars do
not belong in a log file. The bars are drawn on a copy of that original terminal.
"""

from __future__ import annotations

import logging
import os
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import Progress as Bars

log = logging.getLogger(__name__)

# Lines between two log lines about one large file (off a terminal).
LOG_EVERY_LINES = 1_000_000


def _terminal() -> IO[str] | None:
    """A stream on the terminal stderr is attached to at import, if it is one."""
    try:
        if os.isatty(2):
            return os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8")
    except OSError:
        pass
    return None


_TERMINAL = _terminal()


class Progress(Protocol):
    """What ingestion reports as it goes."""

    def start(self, files: int) -> None: ...
    def file_started(self, path: str, size_bytes: int) -> None: ...
    def lines_read(self, count: int) -> None: ...
    def file_done(self, status: str) -> None: ...
    def close(self) -> None: ...


class LogProgress:
    """Milestones as log lines: each file as it starts, and every million lines."""

    def __init__(self) -> None:
        self._files = 0
        self._started = 0  # small files are done later, by batches (ingest.pipeline)
        self._path = ""
        self._lines = 0

    def start(self, files: int) -> None:
        self._files = files
        if files:
            log.info("%d files pending", files)

    def file_started(self, path: str, size_bytes: int) -> None:
        self._path, self._lines = path, 0
        self._started += 1
        log.info("file %d of %d: %s (%.1f MB)", self._started, self._files, path, size_bytes / 1e6)

    def lines_read(self, count: int) -> None:
        before, self._lines = self._lines, self._lines + count
        if before // LOG_EVERY_LINES != self._lines // LOG_EVERY_LINES:
            log.info("%s: %d lines read", self._path, self._lines)

    def file_done(self, status: str) -> None:
        pass

    def close(self) -> None:
        pass


class TerminalProgress:
    """Rich progress bars on the terminal ``svw run`` was started on."""

    def __init__(self, terminal: IO[str]) -> None:
        self._bars = _rich_bars(terminal)
        self._files = self._bars.add_task("files", total=0, visible=False)
        self._lines = self._bars.add_task("lines", total=None, visible=False)

    def start(self, files: int) -> None:
        self._bars.update(self._files, total=files, visible=files > 0)
        self._bars.start()

    def file_started(self, path: str, size_bytes: int) -> None:
        self._bars.update(self._files, description=f"files ({path})")
        self._bars.reset(self._lines, total=None, visible=True, description="lines read")

    def lines_read(self, count: int) -> None:
        self._bars.advance(self._lines, count)

    def file_done(self, status: str) -> None:
        self._bars.advance(self._files)
        self._bars.update(self._lines, visible=False)

    def close(self) -> None:
        self._bars.stop()


def _rich_bars(terminal: IO[str]) -> Bars:
    """Rich bars on ``terminal``: what, how far, elapsed and remaining time; gone when done."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bars

    return Bars(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(file=terminal, force_terminal=True),
        transient=True,
    )


def progress_display() -> Progress:
    """Bars when ``svw run`` is on a terminal, else log lines."""
    return TerminalProgress(_TERMINAL) if _TERMINAL is not None else LogProgress()


class Counter(Protocol):
    """How many of a known number of things are done."""

    def advance(self) -> None: ...
    def close(self) -> None: ...


class _NoCounter:
    def advance(self) -> None:
        pass

    def close(self) -> None:
        pass


class _TerminalCounter:
    def __init__(self, terminal: IO[str], description: str, total: int) -> None:
        self._bars = _rich_bars(terminal)
        self._task = self._bars.add_task(description, total=total)
        self._bars.start()

    def advance(self) -> None:
        self._bars.advance(self._task)

    def close(self) -> None:
        self._bars.stop()


def counter(description: str, total: int) -> Counter:
    """A bar of ``total`` things when ``svw run`` is on a terminal; elsewhere nothing,
    as Dagster's log already has a line for each (a dbt node's event, say)."""
    if _TERMINAL is None or total == 0:
        return _NoCounter()
    return _TerminalCounter(_TERMINAL, description, total)
