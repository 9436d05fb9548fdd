"""Dagster's embedded (SQLite) run and event storage, with connections that stay open.

Dagster's own SQLite storages create a SQLAlchemy engine for every statement and close its
connection after it: a run of the tiny home stores about 700 events, and spent about 20 s
opening engines and closing connections (each close of a database in WAL mode checkpoints
it). These subclasses keep one engine per database file, whose pool keeps its connection
open; everything else, the files and their layout included, is Dagster's. A home's history
written before by the default storage is read as it is. See docs/decisions.md ("Dagster's
embedded storage").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

#: Databases kept open per process: the index, the runs, and the last runs' event logs (a
#: webserver reads many runs; a run writes one).
_OPEN_SHARDS = 8


def _engine(url: str) -> sqlalchemy.Engine:
    return create_engine(url, pool_size=1, max_overflow=4, pool_pre_ping=False,
                         connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                       "check_same_thread": False})


class PooledSqliteRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage on one engine."""

    _pooled: sqlalchemy.Engine | None = None

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)

    @contextmanager
    def connect(self) -> Iterator[sqlalchemy.Connection]:
        if self._pooled is None:
            self._pooled = _engine(self._conn_string)
        with self._pooled.connect() as conn, conn.begin():
            yield conn


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (one database per run, and the index) on one engine per
    database, the last few kept."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, sqlalchemy.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine_for(self, shard: str) -> sqlalchemy.Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = _engine(self.conn_string_for_shard(shard))
            self._engines[shard] = engine
            while len(self._engines) > _OPEN_SHARDS:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sqlalchemy.Connection]:
        with self._db_lock:
            engine = self._engine_for(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()
