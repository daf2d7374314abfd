"""Failure and rate-limit modes of the embedded server, all off by default.

They stand in for what sits in front of a real SkyPortal: nginx (429 rate
limiting, gateway errors, the body limit), baselayer's status server (503
"System provisioning" while the app is down), misconfigured proxies (200s
that are not SkyPortal's), and the network (slow, trickled, cut, dropped
and reset answers, including after the request was committed).  The front
(``front``) carries them out; ``SkyPortalTestServer.inject_fault`` documents each.
"""

import threading
import time
from collections.abc import Iterable

# Answered by the front, the app never sees the request.
FAULTS_BEFORE_APP = ("status-503", "status-502", "status-504", "status-413", "status-429", "drop-before",
                     "reset-before", "non-envelope-200", "html-200", "echo-200", "slow")
# The app processes and commits the request; then its answer is spoiled.
FAULTS_AFTER_APP = ("drop-after", "reset-after", "status-502-after", "status-503-after", "status-504-after",
                    "corrupt-200", "truncated-no-length", "truncated-short", "trickle")
FAULT_KINDS = FAULTS_BEFORE_APP + FAULTS_AFTER_APP
DELAYED_KINDS = ("slow", "trickle")


class Fault:
    """One injected fault, applied to the next ``count`` matching requests."""

    def __init__(self, kind: str, count: int, methods: Iterable[str] | None, delay: float) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if kind in DELAYED_KINDS and delay <= 0:
            raise ValueError(f"a {kind!r} fault needs delay > 0 (seconds)")
        self.kind = kind
        self.remaining = count
        self.methods = None if methods is None else {method.upper() for method in methods}
        self.delay = delay

    def matches(self, method: str) -> bool:
        return self.remaining > 0 and (self.methods is None or method in self.methods)


class FaultPlan:
    """The queue of injected faults.  Each request takes at most one fault:
    the earliest injected one that still has requests left and matches its
    method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(self, kind: str, count: int = 1, methods: Iterable[str] | None = None, delay: float = 0.0) -> None:
        fault = Fault(kind, count, methods, delay)
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str) -> Fault | None:
        """The fault to apply to a request with this method, or None."""
        with self._lock:
            self._faults = [fault for fault in self._faults if fault.remaining > 0]
            for fault in self._faults:
                if fault.matches(method):
                    fault.remaining -= 1
                    return fault
            return None


class RateLimiter:
    """nginx ``limit_req`` with ``burst=B nodelay``, keyed on the Authorization
    header value.

    Each key has an "excess" that grows by one per accepted request and drains
    at ``rate`` per second; a request that would push it above ``burst`` is
    refused and does not count.  As in nginx, the drain and the new request are
    summed before the excess is floored at zero, so a key at rest, new or not,
    accepts burst + 1 requests at once, then one every 1/rate seconds.
    Requests without an Authorization header have an empty key, which nginx
    never limits.
    """

    def __init__(self, rate: float = 5.0, burst: int = 10) -> None:
        if rate <= 0 or burst < 0:
            raise ValueError("rate must be > 0 and burst >= 0")
        self.rate = rate
        self.burst = burst
        self._lock = threading.Lock()
        # key -> (excess, monotonic time of the last accepted request)
        self._excess: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:

        if not key:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            excess, last = self._excess.get(key, (None, now))
            if excess is None:
                self._excess[key] = (0.0, now)
                return True
            excess = max(excess - self.rate * (now - last) + 1, 0.0)
            if excess > self.burst:
                return False
            self._excess[key] = (excess, now)
            return True
