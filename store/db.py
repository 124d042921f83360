"""The store database: Nix 2.8's SQLite schema, pragmas and retry rules.

Real Nix opens ``<state>/db/db.sqlite`` of a store that pydock filled, so the
tables, the schema version file and the journal settings must be the ones Nix
2.8 creates itself (schema version 10).  The ``Realisations`` tables belong to
the experimental ``ca-derivations`` feature and are created by Nix only when
that feature is on (with a separate ``ca-schema`` file), so they are not
created here either.

Every write is one ``BEGIN IMMEDIATE`` transaction: taking the write lock up
front means a concurrent writer waits in SQLite's busy handler instead of
failing with ``SQLITE_BUSY`` halfway through a deferred transaction (which Nix
handles by retrying the whole transaction; ``transaction`` does that too).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["NIX_SCHEMA_VERSION", "SCHEMA_SQL", "StoreDB"]

T = TypeVar("T")

NIX_SCHEMA_VERSION = 10

SCHEMA_SQL = """
create table if not exists ValidPaths (
    id               integer primary key autoincrement not null,
    path             text unique not null,
    hash             text not null,
    registrationTime integer not null,
    deriver          text,
    narSize          integer,
    ultimate         integer, -- null implies "false"
    sigs             text, -- space-separated
    ca               text -- if not null, an assertion that the path is content-addressed; see ValidPathInfo
);

create table if not exists Refs (
    referrer  integer not null,
    reference integer not null,
    primary key (referrer, reference),
    foreign key (referrer) references ValidPaths(id) on delete cascade,
    foreign key (reference) references ValidPaths(id) on delete restrict
);

create index if not exists IndexReferrer on Refs(referrer);
create index if not exists IndexReference on Refs(reference);

create trigger if not exists DeleteSelfRefs before delete on ValidPaths
  begin
    delete from Refs where referrer = old.id and reference = old.id;
  end;

create table if not exists DerivationOutputs (
    drv  integer not null,
    id   text not null, -- symbolic output id, usually "out"
    path text not null,
    primary key (drv, id),
    foreign key (drv) references ValidPaths(id) on delete cascade
);

create index if not exists IndexDerivationOutputs on DerivationOutputs(path);
"""
"""Nix 2.8's ``schema.sql`` (same statements, so ``sqlite_master`` matches what Nix creates)."""

BUSY_TIMEOUT_S = 3600.0
"""Nix waits up to an hour for a busy database before giving up."""


class StoreDB:
    """One connection to a store database, usable from any thread (calls are serialised)."""

    def __init__(self, db_dir: str) -> None:
        self.db_dir = db_dir
        self.path = os.path.join(db_dir, "db.sqlite")
        self.schema_path = os.path.join(db_dir, "schema")
        self._mutex = threading.RLock()
        current = self._read_schema_version()
        if current > NIX_SCHEMA_VERSION:
            raise RuntimeError(
                f"current Nix store schema is version {current}, but I only support {NIX_SCHEMA_VERSION}"
            )
        if 0 < current < NIX_SCHEMA_VERSION:
            raise RuntimeError(
                f"the Nix store schema is version {current}; open the store with Nix 2.8 once to upgrade it"
            )
        self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        self.conn.execute("pragma foreign_keys = 1")
        self.conn.execute("pragma synchronous = normal")
        if self.conn.execute("pragma main.journal_mode").fetchone()[0] != "wal":
            self.conn.execute("pragma main.journal_mode = wal")
        self.conn.execute("pragma wal_autocheckpoint = 40000")
        if current == 0:
            self.conn.executescript(SCHEMA_SQL)
            _write_atomically(self.schema_path, str(NIX_SCHEMA_VERSION).encode())

    def _read_schema_version(self) -> int:
        try:
            with open(self.schema_path, "rb") as f:
                text = f.read().decode().strip()
        except FileNotFoundError:
            return 0
        if not text.isdigit():
            raise RuntimeError(f"'{self.schema_path}' is corrupt")
        return int(text)

    def close(self) -> None:
        with self._mutex:
            self.conn.close()

    # -- access -------------------------------------------------------------------------

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Run a read-only statement outside any explicit transaction."""
        with self._mutex:
            return _retry(lambda: self.conn.execute(sql, params).fetchall())

    @contextmanager
    def _txn(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("begin immediate")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("rollback")
            raise
        self.conn.execute("commit")

    def transaction(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``body`` in one write transaction, retrying the whole of it if SQLite reports busy."""

        def attempt() -> T:
            with self._txn() as conn:
                return body(conn)

        with self._mutex:
            return _retry(attempt)


def _retry(fn: Callable[[], T]) -> T:
    """Retry on "database is locked" the way Nix's ``retrySQLite`` does (busy handler exhausted or bypassed)."""
    delay = 0.001
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as e:
            msg = str(e)
            if "locked" not in msg and "busy" not in msg or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _write_atomically(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
