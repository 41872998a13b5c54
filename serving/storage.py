"""Where the report and exports are written and boundaries read: a folder or an S3 prefix.

fsspec gives one interface to both (as the bucket uses); a local folder is created as
needed, and an ``s3://`` URL reaches any S3-compatible server through ``endpoint_url``.
"""

from __future__ import annotations

import fsspec


def filesystem(url: str, endpoint_url: str | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem behind ``url`` and the root path on it.

    S3 listings are never cached: a stale one would hide what was just written.
    """
    if url.startswith("s3://"):
        kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
        return (
            fsspec.filesystem("s3", client_kwargs=kwargs, use_listings_cache=False),
            url.removeprefix("s3://").rstrip("/"),
        )
    return fsspec.filesystem("file"), url.rstrip("/")


def write_text(url: str, pages: dict[str, str], endpoint_url: str | None = None) -> None:
    """Write ``pages`` (relative path -> text) under ``url``, in the order given."""
    fs, root = filesystem(url, endpoint_url)
    for relative, text in pages.items():
        full = f"{root}/{relative}"
        if "/" in relative:
            fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
        elif not url.startswith("s3://"):
            fs.makedirs(root, exist_ok=True)
        fs.pipe_file(full, text.encode("utf-8"))
