"""The total deadline of a request: one watchdog thread cuts the connection of any attempt that outlives it.

A socket timeout bounds each read, not the request: a server that sends one byte
a second keeps every read under the read timeout and can hold a call for ever.
So each attempt is given a deadline, and when it passes the watchdog shuts the
attempt's socket down, which ends whatever read is waiting on it. The transport
then sees that the deadline passed (``Watch.expired``) and raises a timeout.

The socket is handed to the watchdog by the connection classes below as soon as
the attempt has one (``DeadlinePoolManager`` makes urllib3 use them); the
attempt's ``Watch`` travels to them in a thread-local, since urllib3 gives no
other way in between ``urlopen`` and the connection it picks.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Dict, Optional

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Watch:
    """One attempt under the watchdog: its deadline, its socket once known, whether it expired,
    and whether the request started going out on the connection (``request_sent``)."""

    __slots__ = ("deadline", "sock", "expired", "request_sent")

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.sock: Optional[socket.socket] = None
        self.expired = False
        self.request_sent = False

    def attach(self, sock: Optional[socket.socket]) -> None:
        """Called by the connection with the attempt's socket; an attempt already past its
        deadline (a slow connect) is cut at once."""
        self.sock = sock
        if self.expired or time.monotonic() >= self.deadline:
            self.expired = True
            _cut(sock)


class Watchdog:
    """Cuts the sockets of the watches whose deadline has passed; one thread, started on first use."""

    def __init__(self) -> None:
        self._watches: Dict[int, Watch] = {}
        self._wake = threading.Condition()
        self._next_check: Optional[float] = None
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    def watch(self, seconds: float) -> Watch:
        """A Watch expiring ``seconds`` from now, current for this thread until ``release``."""
        watch = Watch(time.monotonic() + seconds)
        with self._wake:
            self._watches[id(watch)] = watch
            if self._thread is None:
                self._stopped = False
                self._thread = threading.Thread(target=self._run, name="skyportal_client-deadlines", daemon=True)
                self._thread.start()
            if self._next_check is None or watch.deadline < self._next_check:
                self._wake.notify()
        _current.watch = watch
        return watch

    def release(self, watch: Watch) -> None:
        """The attempt is over: its socket is no longer the watchdog's business."""
        with self._wake:
            self._watches.pop(id(watch), None)
        if getattr(_current, "watch", None) is watch:
            _current.watch = None

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        with self._wake:
            while not self._stopped:
                now = time.monotonic()
                for key, watch in list(self._watches.items()):
                    if watch.deadline <= now:
                        del self._watches[key]
                        watch.expired = True
                        _cut(watch.sock)
                self._next_check = min((watch.deadline for watch in self._watches.values()), default=None)
                self._wake.wait(None if self._next_check is None else self._next_check - now)


def _cut(sock: Optional[socket.socket]) -> None:
    """End every read waiting on ``sock``. socket.socket.shutdown, not SSLSocket's, which would
    also drop the TLS state under the reading thread's feet."""
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _attach_current(sock: Optional[socket.socket]) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.attach(sock)


def _mark_request_sent() -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.request_sent = True


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.sock is None:
            # http.client would connect on the first write; connecting first keeps a failure
            # to connect apart from one after the request went out.
            self.connect()
        else:
            _attach_current(self.sock)  # a kept-alive connection: connect() is not called again
        _mark_request_sent()
        return super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    """The watched connection over TLS: urllib3 connects it (handshake included) before ``request``."""


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


def deadline_pool_manager(proxy: Optional[str], **pool_options) -> urllib3.PoolManager:  # type: ignore[no-untyped-def]
    """A urllib3 PoolManager (a ProxyManager when ``proxy`` is set) whose connections report
    their sockets to the current attempt's Watch."""
    manager = urllib3.ProxyManager(proxy, **pool_options) if proxy else urllib3.PoolManager(**pool_options)
    manager.pool_classes_by_scheme = _WATCHED_POOLS
    return manager
