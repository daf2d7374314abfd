"""The client-side rate limit: a token bucket shared by every thread of one ApiClient."""

import threading
import time
from typing import Callable


class Throttle:
    """At most ``rate`` requests per second on average, with bursts of up to ``burst``.

    SkyPortal's proxy refuses a token's requests beyond 5 per second with a burst of
    10 (an HTML 429 without Retry-After); waiting here instead keeps every request
    useful. Threads sharing the bucket are served in the order they ask.
    """

    def __init__(self, rate: float = 5.0, burst: int = 10, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("Throttle needs a rate above 0 and a burst of at least 1")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    def acquire(self) -> float:
        """Wait until a request may be sent, and take its token; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1  # a negative balance is this caller's place in the queue
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait:
            self._sleep(wait)
        return wait

    def __repr__(self) -> str:
        return f"Throttle(rate={self.rate:g}, burst={self.burst})"
