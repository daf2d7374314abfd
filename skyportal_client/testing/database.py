"""The SQLite connection of the embedded server's store, shared by its parts.

One connection is shared by all request threads and every use of it holds
``Database.lock``: that serialises writes (8 concurrent uploads neither lose
nor duplicate rows) and keeps each multi-statement operation atomic.
"""

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence


class Database:
    """The connection (rows as ``sqlite3.Row``) and the lock every use of it holds;
    ``storage.Store`` and its parts build on it."""

    def __init__(self, db_path: str | None, schema: str) -> None:
        self.lock = threading.RLock()
        if db_path and not os.path.exists(db_path):
            # The file holds the tokens: readable by this user only, like the CLI's env file.
            os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._db = sqlite3.connect(db_path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(schema)  # idempotent DDL; executescript manages its own commit

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block in one transaction: all or nothing."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    def _query_one(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Row | None:
        rows = self._query(sql, params)
        return rows[0] if rows else None
