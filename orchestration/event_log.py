"""Dagster's event log in SQLite, each database's connection kept open between events.

Dagster's own ``SqliteEventLogStorage`` builds a SQLAlchemy engine, opens a SQLite
connection, commits (a sync of the write-ahead log) and closes it (a checkpoint) for
every event it stores, and again for the cross-run index of asset and check events:
about 23 ms an event here. A run records several hundred events (each dbt data test is
an asset check: planned, then evaluated), so that was a large part of a small run.

This storage keeps the files, tables and layout of Dagster's (the webserver, the daemon
and ``dagster`` commands read them as usual) and changes only how they are reached:

- one connection per database file, kept open while the storage is in use (the most
  recently used :data:`OPEN_DATABASES`, since a webserver reads many runs' files);
- ``synchronous=NORMAL``: SQLite syncs its write-ahead log at checkpoints rather than at
  every commit. A crash of the process loses nothing; a power cut may lose the last
  events of a run, never the file. The warehouse and its ledger do not depend on it.

``dagster_home/dagster.yaml`` names it. Its folder is, as with Dagster's default, the
instance's own ``history/runs/``: Dagster hands a storage only its YAML config, so the
folder is settled when the instance registers itself (an instance opened for another
home, as the tests open theirs, reads that home's runs), unless ``base_dir`` names one.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dagster._config import Field, StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from dagster import DagsterInstance

# Database files (one per run, and the index) with a connection held open.
OPEN_DATABASES = 8


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with a kept-open connection per database file."""

    def __init__(
        self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None
    ) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._pending_inst_data = inst_data
        if base_dir is not None:
            super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Field]:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> KeptOpenSqliteEventLogStorage:
        return cls(config_value.get("base_dir"), inst_data)

    def register_instance(self, instance: DagsterInstance) -> None:
        if not hasattr(self, "_base_dir"):
            # Dagster's default folder for the event log, in this instance's home.
            runs = os.path.join(instance.root_directory, "history", "runs")
            super().__init__(runs, self._pending_inst_data)
        super().register_instance(instance)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Dagster's lock: one thread at a time uses a storage's connections.
        with self._db_lock:
            engine = self._engine_for(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine_for(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None) or _kept_open_engine(
            self.conn_string_for_shard(shard)
        )
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    def dispose(self) -> None:
        if hasattr(self, "_db_lock"):
            with self._db_lock:
                while self._engines:
                    self._engines.popitem()[1].dispose()
            super().dispose()


def _kept_open_engine(url: str) -> Engine:
    """One SQLite connection, reused by whichever thread holds the storage's lock."""
    engine = create_engine(
        url,
        poolclass=StaticPool,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sync_at_checkpoints)
    return engine


def _sync_at_checkpoints(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - sqlite3
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
