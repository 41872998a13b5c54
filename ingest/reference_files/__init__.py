"""Reading the official reference files: district geography, population and deprivation.

Owns turning the ONS and MHCLG publications, in the layouts they are published in, into
canonical Arrow tables that the warehouse can load and the seed generator can write:
one module per kind, each exposing ``read_<kind>(name, data) -> pyarrow.Table``. They
are pure (bytes in, table out, no I/O) and refuse a file they cannot read with
``FileRejected``, saying which sheet and row was read, what was expected and what to
fix, for whoever dropped the file into the bucket. ``_grid`` holds what they share.

The kinds are also the folders of ``reference/`` in the bucket (``KINDS``): a file
there is read by its kind's reader with ``for_loading=True``, which adds the columns a
load needs (``LOAD_SCHEMAS``, plus ``source_row``). The measure catalogue's kinds
(``frameworks``: editions, ``crosswalks``, ``local-proxies``) are versioned: a loaded
file replaces what an earlier one held for the same key (``VERSION_KEYS``), and its
rows carry the version number it became.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import pyarrow as pa

from ingest.reference_files import (
    crosswalks,
    deprivation,
    frameworks,
    geography,
    local_proxies,
    population,
)
from ingest.reference_files.crosswalks import read_crosswalks
from ingest.reference_files.deprivation import read_deprivation
from ingest.reference_files.frameworks import read_frameworks
from ingest.reference_files.geography import read_geography
from ingest.reference_files.local_proxies import read_local_proxies
from ingest.reference_files.population import read_population

# kind -> its reader, called as reader(name, data, for_loading=...)
READERS: MappingProxyType[str, Callable[..., pa.Table]] = MappingProxyType(
    {
        "geography": read_geography,
        "population": read_population,
        "deprivation": read_deprivation,
        "frameworks": read_frameworks,
        "crosswalks": read_crosswalks,
        "local-proxies": read_local_proxies,
    }
)
KINDS: tuple[str, ...] = tuple(READERS)
# kind -> the columns a loaded file of that kind has, besides source_row
LOAD_SCHEMAS: MappingProxyType[str, pa.Schema] = MappingProxyType(
    {
        "geography": geography.LOAD_SCHEMA,
        "population": population.SCHEMA,
        "deprivation": deprivation.SCHEMA,
        "frameworks": frameworks.SCHEMA,
        "crosswalks": crosswalks.SCHEMA,
        "local-proxies": local_proxies.SCHEMA,
    }
)
# kind -> the columns whose values a loaded file replaces as a whole: an edition, a
# crosswalk family, the local proxies of an edition. Its rows get version N + 1 of
# that key, N being the highest an earlier loaded file gave it.
VERSION_KEYS: MappingProxyType[str, str] = MappingProxyType(
    {"frameworks": "edition", "crosswalks": "from_framework", "local-proxies": "edition"}
)


def kind_name(kind: str) -> str:
    """A kind as an SQL name and ledger file kind: ``local-proxies`` -> ``local_proxies``."""
    return kind.replace("-", "_")


__all__ = [
    "KINDS",
    "LOAD_SCHEMAS",
    "READERS",
    "VERSION_KEYS",
    "kind_name",
    "read_crosswalks",
    "read_deprivation",
    "read_frameworks",
    "read_geography",
    "read_local_proxies",
    "read_population",
]
