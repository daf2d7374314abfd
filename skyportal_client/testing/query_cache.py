"""SkyPortal's source query cache: the ordered ids of a search, kept under a queryID.

A GET /api/sources with ``useCache`` stores the ids its filters matched and
answers with their queryID; a later page sent with that queryID reads the
stored ids instead of searching again, so sources saved in between do not
shift the pages.  As in SkyPortal, the queryID is a hash of the ids (the same
matches give the same queryID), an entry lives for 6 hours after its last
use, and an unknown or expired queryID is no error: the search runs again.
"""

import hashlib
import threading
import time
from collections.abc import Callable, Sequence

# SkyPortal's misc.minutes_to_keep_source_query_cache default: 360 minutes.
MAX_AGE_SECONDS = 360 * 60


class QueryCache:
    """queryID -> ids, each entry dropped ``max_age`` seconds after it was last stored or read."""

    def __init__(self, max_age: float = MAX_AGE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[list[str], float]] = {}

    def remember(self, ids: Sequence[str]) -> str:
        """Store ``ids`` and return their queryID."""
        query_id = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()
        with self._lock:
            self._drop_expired()
            self._entries[query_id] = (list(ids), self._clock())
        return query_id

    def recall(self, query_id: str) -> list[str] | None:
        """The ids stored under ``query_id`` (a read keeps them 6 hours more), or None."""
        with self._lock:
            self._drop_expired()
            entry = self._entries.get(query_id)
            if entry is None:
                return None
            self._entries[query_id] = (entry[0], self._clock())
            return list(entry[0])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop_expired(self) -> None:
        now = self._clock()
        for query_id in [key for key, (_, used) in self._entries.items() if now - used > self._max_age]:
            del self._entries[query_id]
