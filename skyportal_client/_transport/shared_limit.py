"""A rate limit shared by processes and machines: one token bucket kept in SQLite or Redis.

``rate_limit_store="sqlite:///relative/file.db"`` (or ``"sqlite:////absolute/file.db"``)
shares a bucket among the processes of one machine; ``"redis://host:6379/0"`` among
machines (Dask workers, a cluster's jobs). The bucket is named by the host and a hash of
the token, never the token itself, so clients of one token on one server share it, and
other tokens and servers have their own.

Each request takes its token in one short transaction, with the store's own clock:

* SQLite: ``BEGIN IMMEDIATE``, read, write, ``COMMIT``. SQLite's locks are the operating
  system's file locks, which end with the process that holds them: a process killed in the
  middle holds nothing, and its transaction is rolled back by the next one to open the file.
* Redis: ``WATCH``, ``GET``, ``TIME``, then ``MULTI``/``SET``/``EXEC``, tried again when
  another client changed the bucket in between. Nothing is locked at all.

The bucket's rule is ``bucket.take``, the in-process throttle's own. The redis package is
imported only when a redis:// store is asked for (``pip install "skyportal-client[redis]"``);
sqlite3 is in the standard library.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from typing import Any, Callable, Optional, Protocol

from skyportal_client._transport.bucket import take
from skyportal_client.exceptions import ApiTypeError, ApiValueError

logger = logging.getLogger("skyportal_client")

SQLITE_PREFIX = "sqlite:///"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
STORE_FORMS = ('"sqlite:///path/to/file.db" (processes of one machine) or "redis://host:6379/0" '
               "(processes on many machines)")
REDIS_INSTALL = 'pip install "skyportal-client[redis]"'
# Seconds a store may take to answer before the request goes on under the local limit alone.
STORE_TIMEOUT = 10.0


class StoreUnavailable(Exception):
    """The shared store could not be reached or used; the reason, without credentials."""


class SharedBucket(Protocol):
    """One token bucket in a shared store."""

    def reserve(self, rate: float, burst: int) -> float:
        """Takes a token; returns the seconds to wait before sending. Raises StoreUnavailable."""
        ...

    def close(self) -> None:
        ...


def check_store_url(url: Any) -> None:
    """Refuses a ``rate_limit_store`` that is not one of the forms the client knows."""
    if url is None:
        return
    if not isinstance(url, str):
        raise ApiTypeError(f"rate_limit_store must be {STORE_FORMS}, or None; not {type(url).__name__}")
    if url.startswith(SQLITE_PREFIX) and len(url) > len(SQLITE_PREFIX):
        return
    if url.startswith(REDIS_SCHEMES):
        return
    scheme = url.split("://", 1)[0] if "://" in url else url[:20]  # the rest may hold a password
    raise ApiValueError(f"rate_limit_store must be {STORE_FORMS}, or None; not one starting {scheme!r}")


def bucket_key(host: str, token: Optional[str]) -> str:
    """The bucket's name: the host, and the first 16 hex digits of the token's SHA-256."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:16] if token else "no-token"
    return f"skyportal_client:rate:{host}:{digest}"


def open_bucket(url: str, key: str) -> SharedBucket:
    """The bucket named ``key`` in the store at ``url`` (checked by check_store_url)."""
    if url.startswith(SQLITE_PREFIX):
        return SQLiteBucket(url[len(SQLITE_PREFIX):], key)
    return RedisBucket(url, key)


class SQLiteBucket:
    """A bucket in a table of an SQLite file, shared by the processes that open the file."""

    def __init__(self, path: str, key: str, *, clock: Callable[[], float] = time.time):
        self.path = path
        self.key = key
        self._clock = clock
        self._lock = threading.Lock()  # one connection per process, used by one thread at a time
        self._connection: Optional[sqlite3.Connection] = None
        self._pid = 0

    def _connect(self) -> sqlite3.Connection:
        # A connection is not carried into a forked child: the child opens its own.
        if self._connection is None or self._pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=STORE_TIMEOUT, isolation_level=None,
                                         check_same_thread=False)
            # A bucket is worth no disk flush: a process killed mid-write still leaves the file
            # whole (the journal is rolled back); only a machine that crashes may lose it.
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute("CREATE TABLE IF NOT EXISTS skyportal_client_buckets "
                               "(key TEXT PRIMARY KEY, full_at REAL NOT NULL)")
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def reserve(self, rate: float, burst: int) -> float:
        with self._lock:
            try:
                connection = self._connect()
                connection.execute("BEGIN IMMEDIATE")
                try:
                    row = connection.execute("SELECT full_at FROM skyportal_client_buckets WHERE key = ?",
                                             (self.key,)).fetchone()
                    now = self._clock()
                    full_at, wait = take(row[0] if row else now, now, rate, burst)
                    connection.execute("INSERT OR REPLACE INTO skyportal_client_buckets (key, full_at) VALUES (?, ?)",
                                       (self.key, full_at))
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StoreUnavailable(f"the SQLite file {self.path}: {error}") from None
        return wait

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None


class RedisBucket:
    """A bucket in one Redis key, shared by every client of that Redis server."""

    def __init__(self, url: str, key: str):
        try:
            import redis
        except ImportError:
            raise ApiValueError(f"rate_limit_store={url.split('://', 1)[0]}://... needs the redis package: "
                                f"{REDIS_INSTALL}") from None
        self.key = key
        self._errors = (redis.RedisError,)
        self._watch_error = redis.WatchError
        self._redis = redis.Redis.from_url(url, socket_timeout=STORE_TIMEOUT, socket_connect_timeout=STORE_TIMEOUT)
        parts = self._redis.connection_pool.connection_kwargs
        self._where = f"Redis at {parts.get('host', parts.get('path', '?'))}:{parts.get('port', '')}".rstrip(":")

    def reserve(self, rate: float, burst: int) -> float:
        try:
            with self._redis.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(self.key)
                        stored = pipe.get(self.key)
                        seconds, microseconds = pipe.time()
                        now = seconds + microseconds / 1e6
                        full_at, wait = take(float(stored) if stored else now, now, rate, burst)
                        pipe.multi()
                        # The key goes when the bucket is full again: a full bucket needs no record.
                        pipe.set(self.key, repr(full_at), px=max(1, int((full_at - now) * 1000) + 1000))
                        pipe.execute()
                        return wait
                    except self._watch_error:
                        continue  # another client took a token in between: read again
        except self._errors as error:
            raise StoreUnavailable(f"{self._where}: {type(error).__name__}: {error}") from None

    def close(self) -> None:
        self._redis.close()
