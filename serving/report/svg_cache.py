"""Charts already drawn: each chart's SVG on disk under the hash of its Vega-Lite spec.

Drawing is most of a report's time (vl-convert runs Vega in one embedded JavaScript
engine, about 0.08 s a chart on this project's charts, one chart at a time whatever
the threads), and most charts are the same from one run to the next: a new return
changes the pages of the places it reaches and the charts that compare every place.
A spec holds all a chart shows (data, titles, colours), so the same spec always
draws the same SVG; the key adds vl-convert's version (and so Vega's) and the
locale, so an upgrade draws afresh.

One folder per warehouse (runs on one warehouse never overlap); after a whole report
the folder keeps exactly that report's charts, so it never grows beyond one report.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import vl_convert

LOCALE = "en-GB"  # d3-format's: money as £1,234


class SvgCache:
    """Draws Vega-Lite specs to SVG, reusing those drawn before when given a folder."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.used: set[str] = set()
        self.drawn = 0  # charts drawn by vl-convert, not found in the folder

    def svg(self, spec: dict[str, Any]) -> str:
        if self.directory is None:
            return self._draw(spec)
        key = _key(spec)
        self.used.add(key)
        path = self.directory / f"{key}.svg"
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        svg = self._draw(spec)
        _write_atomically(path, svg)
        return svg

    def keep_only_used(self) -> None:
        """Delete every chart this cache did not serve: those of no current page."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.glob("*.svg"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)

    def _draw(self, spec: dict[str, Any]) -> str:
        self.drawn += 1
        return vl_convert.vegalite_to_svg(spec, format_locale=LOCALE)


def _key(spec: dict[str, Any]) -> str:
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    # vl-convert's version also names the Vega and Vega-Lite it bundles.
    return hashlib.sha256(f"{vl_convert.__version__}|{LOCALE}|{text}".encode()).hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    """A reader never sees half a chart: written beside, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
