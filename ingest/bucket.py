"""The drop bucket: a local folder or an S3 prefix, behind one small interface.

Layout (paths are relative to the bucket root, always with ``/``)::

    incoming/<submitter>/...   institutions drop files here
    reference/<kind>/...       newer official reference files (geography, population...)
    archive/<submitter>/...    loaded and duplicate files; archive/reference/<kind>/...
    rejected/<submitter>/...   rejected files, each beside its two reports; likewise
                               rejected/reference/<kind>/...

``reference`` is therefore no submitter's name: a submitter's archive could collide
with the reference files'. Reference files are picked up before returns.

fsspec gives the same calls for both backends; only listing metadata differs.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

import fsspec

INCOMING = "incoming"
REFERENCE = "reference"
ARCHIVE = "archive"
REJECTED = "rejected"
# The areas files are picked up from, in the order they are processed in.
DROP_AREAS = (REFERENCE, INCOMING)

SUBMITTER_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOT_SUBMITTER_CHARACTERS = re.compile(r"[^a-z0-9]+")


def submitter_name_for(folder: str) -> str | None:
    """The valid submitter name closest to a folder name ("Leeds City Council" ->
    "leeds-city-council"), or None when nothing of it is usable."""
    ascii_only = unicodedata.normalize("NFKD", folder).encode("ascii", "ignore").decode()
    name = _NOT_SUBMITTER_CHARACTERS.sub("-", ascii_only.lower()).strip("-")
    return name or None


@dataclass(frozen=True)
class BucketFile:
    path: str  # relative to the bucket root, e.g. "incoming/acme/q1.csv"
    size: int
    modified: datetime  # UTC

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def area(self) -> str:
        """The top folder the file was dropped in: ``incoming`` or ``reference``."""
        return self.path.split("/", 1)[0]

    @property
    def folder(self) -> str | None:
        """The first folder under the area (submitter or reference kind), whatever its
        name; None for a loose file."""
        parts = self.path.split("/")
        return parts[1] if len(parts) >= 3 else None

    @property
    def submitter(self) -> str | None:
        """The first folder under incoming/, if it is a valid submitter name."""
        if self.area != INCOMING or self.folder == REFERENCE:
            return None
        if self.folder is None or not SUBMITTER_PATTERN.fullmatch(self.folder):
            return None
        return self.folder

    @property
    def suggested_submitter(self) -> str | None:
        """For a badly named submitter folder, the valid name it most likely means."""
        return submitter_name_for(self.folder) if self.folder is not None else None

    def destination(self, area: str) -> str:
        """Where this file goes in ``archive`` or ``rejected``: its path under incoming/,
        or under reference/ with the ``reference/`` kept (archive/reference/...). A file
        in the reserved ``incoming/reference/`` keeps ``incoming/`` too, so it never
        lands among the reference files."""
        if self.area == INCOMING and self.folder != REFERENCE:
            return f"{area}/{self.path.removeprefix(INCOMING + '/')}"
        return f"{area}/{self.path}"


class MoveVerificationError(RuntimeError):
    """A copy did not match its source; the source is kept."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Bucket:
    """A bucket root on any fsspec filesystem (``file`` or ``s3``)."""

    def __init__(self, url: str, endpoint_url: str | None = None):
        self.url = url.rstrip("/")
        self.is_local = not self.url.startswith("s3://")
        if not self.is_local:
            client_kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
            # Listing must be fresh on every call: a cached listing hides new drops.
            self.fs = fsspec.filesystem("s3", client_kwargs=client_kwargs, use_listings_cache=False)
            self.root = self.url.removeprefix("s3://")
        else:
            self.fs = fsspec.filesystem("file")
            self.root = self.url
            # A new local bucket shows institutions where to drop their files.
            self.fs.makedirs(self._full(INCOMING), exist_ok=True)

    def _full(self, path: str) -> str:
        return f"{self.root}/{path}"

    def _relative(self, full: str) -> str:
        return full.removeprefix(self.root.rstrip("/") + "/")

    def pending(self, settle_seconds: float, now: datetime | None = None) -> list[BucketFile]:
        """Files under reference/ and incoming/ old enough to be complete.

        Reference files come first, so that returns are checked against the newest
        reference data; within an area, in received order: modification time, then
        path. Hidden files (``.name``) are upload temporaries of some clients and are
        never picked up.
        """
        now = now or datetime.now(UTC)
        self.fs.invalidate_cache()
        found = []
        for area in DROP_AREAS:
            if not self.fs.exists(self._full(area)):
                continue
            for full, info in self.fs.find(self._full(area), detail=True).items():
                if info.get("type") != "file" or posixpath.basename(full).startswith("."):
                    continue
                modified = _modified(info)
                if (now - modified).total_seconds() >= settle_seconds:
                    found.append(BucketFile(self._relative(full), int(info["size"]), modified))
        return sorted(found, key=lambda f: (DROP_AREAS.index(f.area), f.modified, f.path))

    def read(self, path: str) -> bytes:
        return self.fs.cat_file(self._full(path))

    def open(self, path: str) -> BinaryIO:
        """The file for reading in pieces (seekable; the caller closes it)."""
        return self.fs.open(self._full(path), "rb")

    def sha256(self, path: str, chunk_bytes: int = 8 * 1024 * 1024) -> str:
        """SHA-256 of a file read in chunks (for files too big to hold in memory)."""
        digest = hashlib.sha256()
        with self.fs.open(self._full(path), "rb") as handle:
            while chunk := handle.read(chunk_bytes):
                digest.update(chunk)
        return digest.hexdigest()

    def write(self, path: str, data: bytes) -> None:
        self.fs.makedirs(posixpath.dirname(self._full(path)), exist_ok=True)
        self.fs.pipe_file(self._full(path), data)

    def exists(self, path: str) -> bool:
        return self.fs.exists(self._full(path))

    def free_path(self, path: str, taken: Collection[str] = ()) -> str:
        """``path`` itself, or ``name_2.ext``, ``name_3.ext``... so nothing is overwritten:
        neither a file in the bucket nor a path in ``taken`` (promised to a file not
        moved there yet)."""

        def free(candidate: str) -> bool:
            return candidate not in taken and not self.exists(candidate)

        if free(path):
            return path
        stem, ext = posixpath.splitext(path)
        n = 2
        while not free(f"{stem}_{n}{ext}"):
            n += 1
        return f"{stem}_{n}{ext}"

    def move(self, source: str, destination: str, expected_sha256: str) -> None:
        """Copy, verify the copy's content, then delete the source.

        Safe to repeat: if an earlier attempt died after the copy, the verified copy
        is kept and only the source is removed. The copy appears under its final name
        only when complete, so a crash at any point loses no file and leaves no torn one.
        """
        if not self.exists(destination):
            self.fs.makedirs(posixpath.dirname(self._full(destination)), exist_ok=True)
            self._copy_whole(source, destination)
        if self.sha256(destination) != expected_sha256:
            raise MoveVerificationError(
                f"{destination} already exists with other content than {source} "
                "(changed while being processed?); source kept, nothing overwritten"
            )
        self.fs.rm_file(self._full(source))

    def _copy_whole(self, source: str, destination: str) -> None:
        if not self.is_local:
            # An S3 copy is a single server-side request: it lands whole or not at all.
            self.fs.copy(self._full(source), self._full(destination))
            return
        partial = self._full(f"{destination}.partial")
        self.fs.copy(self._full(source), partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())  # on disk before the source may be deleted
        os.replace(partial, self._full(destination))
        directory = os.open(posixpath.dirname(self._full(destination)), os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _modified(info: dict) -> datetime:
    """Modification time from a listing entry of either backend, as aware UTC."""
    if "LastModified" in info:  # s3
        value = info["LastModified"]
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(info["mtime"]), tz=UTC)
