"""Reading the official reference files: district geography, population and deprivation.

Owns turning the ONS and MHCLG publications, in the layouts they are published in, into
canonical Arrow tables that the warehouse can load and the seed generator can write:
one module per kind, each exposing ``read_<kind>(name, data) -> pyarrow.Table``. They
are pure (bytes in, table out, no I/O) and refuse a file they cannot read with
``FileRejected``, saying which sheet and row was read, what was expected and what to
fix, for whoever dropped the file into the bucket. ``_grid`` holds what they share.
"""

from __future__ import annotations

from ingest.reference_files.deprivation import read_deprivation
from ingest.reference_files.geography import read_geography
from ingest.reference_files.population import read_population

__all__ = ["read_deprivation", "read_geography", "read_population"]
