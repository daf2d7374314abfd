"""The client-side rate limit: a token bucket shared by every thread of one ApiClient, whose
rate falls when the server answers 429 and climbs back along a cubic curve.

SkyPortal's proxy refuses a token's requests beyond 5 per second with a burst of 10 (an HTML
429 without Retry-After). One client waiting here stays under that limit by itself. Clients
that share a token without sharing a store (``rate_limit_store``) cannot see each other, so
each one lowers its own rate when it meets a 429 and recovers gradually: together they settle
on the server's limit instead of failing calls. The curve is TCP CUBIC's, as botocore's
"adaptive" retry mode uses it, on a time scale measured in the configured rate's intervals, so
that a limit of 50 per second behaves as 5 per second, ten times faster.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Callable, Optional

from skyportal_client._transport.bucket import take
from skyportal_client._transport.policy import RateLimit
from skyportal_client._transport.shared_limit import SharedBucket, StoreUnavailable, bucket_key, open_bucket

logger = logging.getLogger("skyportal_client")

# After a 429 the rate drops to BETA of what it was, or lower when this client's share of
# recent answers says so (see Throttle.on_throttled)...
BETA = 0.5
# ... and climbs back to where it was along W(t) = SCALE * (t - K)**3 + W_max, with W as a
# fraction of the configured rate and t in its intervals (1 / rate seconds), then beyond.
# This SCALE brings eight clients sharing 5 requests per second back to their share 26 s
# after a cut, and one client alone back to 93 % of the full rate 25 s after one. Faster
# curves met more 429s in a simulation of eight clients, slower ones left calls waiting at
# the end for clients that had come down too far (bench/README.md).
SCALE = 3e-8
# The rate never falls below this fraction of the configured one.
FLOOR = 0.02
# The window, in intervals of the configured rate, over which a client counts its answers
# that were not 429s, to know its share of the limit when a 429 comes.
WINDOW = 10


class CubicRate:
    """The rate to send at after 429s, as a fraction of the configured one (1.0: no cut)."""

    def __init__(self) -> None:
        self.fraction = 1.0
        self._peak = 1.0  # the fraction when the last 429 came (CUBIC's W_max)
        self._cut_at: Optional[float] = None  # when, in intervals of the configured rate
        self._to_peak = 0.0  # intervals from the cut back to the peak (CUBIC's K)

    def at(self, intervals: float) -> float:
        """The fraction ``intervals`` of the configured rate after the start."""
        if self._cut_at is None:
            return 1.0
        elapsed = intervals - self._cut_at
        return min(1.0, max(self.fraction, SCALE * (elapsed - self._to_peak) ** 3 + self._peak))

    def cut(self, intervals: float, factor: float) -> float:
        """A 429 at ``intervals``: the fraction drops to ``factor`` of the current one."""
        current = self.at(intervals)
        # A peak lower than the last means others want more of the limit: give them room sooner.
        self._peak = current if current >= self._peak else current * (1 + factor) / 2
        self.fraction = max(FLOOR, current * factor)
        self._cut_at = intervals
        self._to_peak = max(0.0, (self._peak - self.fraction) / SCALE) ** (1 / 3)
        return self.fraction


class Throttle:
    """At most ``rate`` requests per second on average, with bursts of up to ``burst``.

    Threads sharing the bucket are served in the order they ask. With ``adaptive`` (the
    default) the rate falls after a 429 (``on_throttled``) and recovers as answers keep
    coming; never above ``rate``, so a client alone, which meets no 429, runs at ``rate``.
    ``shared``: a bucket in a store that other processes and machines use too (see
    ``shared_limit``); each request then also waits for its turn there, after its turn here.
    """

    def __init__(self, rate: float = 5.0, burst: int = 10, *, adaptive: bool = True,
                 shared: Optional[SharedBucket] = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        limit = RateLimit(rate, burst)  # refuses nonsense
        self.rate = float(limit.rate)
        self.burst = limit.burst
        self.shared = shared
        self._curve = CubicRate() if adaptive else None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._started = clock()
        self._full_at = self._started
        self._bucket_rate = self.rate  # the rate the bucket refills at now
        self._cut_at: Optional[float] = None  # when the last 429 cut the rate
        self._answered: collections.deque = collections.deque()  # when the answers in the window came

    @property
    def current_rate(self) -> float:
        """The requests per second the bucket refills at now (``rate`` until a 429)."""
        with self._lock:
            return self._follow_curve(self._clock())

    def acquire(self) -> float:
        """Wait until a request may be sent, and take its token; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._full_at, wait = take(self._full_at, now, self._follow_curve(now), self.burst)
        if wait:
            self._sleep(wait)
        if self.shared is not None:
            try:
                shared_wait = self.shared.reserve(self.rate, self.burst)
            except StoreUnavailable as reason:
                # The request still goes under this client's own limit, which adapts to 429s.
                logger.warning("The shared rate limit store is unavailable (%s); this request waits for "
                               "this client's own limit only", reason)
                shared_wait = 0.0
            if shared_wait:
                self._sleep(shared_wait)
            wait += shared_wait
        return wait

    def close(self) -> None:
        """Closes the connection to the shared store, if there is one."""
        if self.shared is not None:
            self.shared.close()

    def on_throttled(self) -> None:
        """The server answered 429: lower the rate, and send nothing more until the bucket refills.

        The cut is to BETA of the rate, or to the rate at which answers came in the last
        WINDOW intervals when that is lower: that is this client's share of the limit while
        others take the rest, so many clients come down to their shares after one 429 each
        instead of one 429 for every step. A 429 that comes sooner after the last cut than one
        interval at the new rate answers a request sent before that cut (threads of one
        client meet the same congestion together): it cuts nothing more.
        """
        if self._curve is None:
            return
        with self._lock:
            now = self._clock()
            if self._cut_at is not None and now - self._cut_at < 1.0 / self._bucket_rate:
                return
            self._cut_at = now
            current = self._follow_curve(now)
            self._forget_before(now)
            share = (len(self._answered) + 1) * self.rate / WINDOW
            fraction = self._curve.cut(self._intervals(now), min(BETA, share / current))
            self._rescale(now, fraction * self.rate)
            self._full_at = max(self._full_at, now + self.burst / self._bucket_rate)

    def on_success(self) -> None:
        """The server answered, and not with a 429."""
        if self._curve is None:
            return
        with self._lock:
            now = self._clock()
            self._answered.append(now)
            self._forget_before(now)

    def _forget_before(self, now: float) -> None:
        """Drops the answers older than the window (lock held)."""
        oldest = now - WINDOW / self.rate
        while self._answered and self._answered[0] < oldest:
            self._answered.popleft()

    def _intervals(self, now: float) -> float:
        return (now - self._started) * self.rate

    def _follow_curve(self, now: float) -> float:
        """The bucket's rate at ``now``, after moving it along the curve (lock held)."""
        if self._curve is not None:
            self._rescale(now, self._curve.at(self._intervals(now)) * self.rate)
        return self._bucket_rate

    def _rescale(self, now: float, rate: float) -> None:
        """Refill at ``rate`` from now on, owing the same tokens as before (lock held)."""
        if rate != self._bucket_rate:
            owed = max(0.0, self._full_at - now) * self._bucket_rate
            self._full_at = now + owed / rate
            self._bucket_rate = rate

    def __repr__(self) -> str:
        return f"Throttle(rate={self.rate:g}, burst={self.burst})"


def throttle_for(limit: Optional[RateLimit], host: str, token: Optional[str]) -> Optional[Throttle]:
    """The throttle a client of ``host`` with ``token`` follows under ``limit`` (None: none);
    with ``limit.store``, the bucket it shares is named by the host and a hash of the token."""
    if limit is None:
        return None
    shared = open_bucket(limit.store, bucket_key(host, token)) if limit.store else None
    return Throttle(limit.rate, limit.burst, adaptive=limit.adaptive, shared=shared)
