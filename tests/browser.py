"""A real browser for the tests: Debian's Chromium, headless, with no network use.

`make test` installs it (Makefile target ``chromium``) when it can. Without it the
browser tests are skipped with a note, except where ``CI`` is set: there they fail,
as the PostgreSQL tests do (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

# Headless, no first-run work, no background or update traffic (there is no network).
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
)


class PageLoad(NamedTuple):
    dom: str  # the document after load, as the browser built it
    log: str  # the browser's own log: console messages and uncaught errors land here


def chromium() -> str:
    """The Chromium executable, or skip (fail in CI) when it is not installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = (
            "Chromium not found: run `make chromium` as root or with passwordless sudo, or "
            "install Debian's chromium package"
        )
        if "CI" in os.environ:
            pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped)")
        pytest.skip(f"{reason}; skipping the browser tests")
    return found


def _run(arguments: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *_FLAGS, f"--user-data-dir={profile}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )


def load(page: Path, profile: Path) -> PageLoad:
    """Open a file in the browser and return the rendered DOM and the browser's log."""
    result = _run(["--dump-dom", page.as_uri()], profile)
    assert result.returncode == 0, result.stderr
    return PageLoad(result.stdout, result.stderr)


def screenshot(page: Path, image: Path, profile: Path, size: str = "1400,2400") -> None:
    result = _run([f"--screenshot={image}", f"--window-size={size}", page.as_uri()], profile)
    assert result.returncode == 0 and image.exists(), result.stderr
