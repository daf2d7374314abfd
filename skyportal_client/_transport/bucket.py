"""The token bucket's rule, the one the in-process throttle and the shared stores all follow."""

from typing import Tuple


def take(full_at: float, now: float, rate: float, burst: int) -> Tuple[float, float]:
    """Takes one token from a bucket of ``burst`` tokens refilled at ``rate`` per second.

    The bucket is one number: ``full_at``, the time when it will be full again (any time
    not after ``now`` means full). Returns the new ``full_at`` and the seconds the caller
    waits before sending; a caller that waits holds its place in the queue, so callers are
    served in the order they asked. After a burst at rest, one request every 1 / ``rate``
    seconds: at SkyPortal's numbers never more than its proxy lets through.
    """
    full_at = max(full_at, now) + 1.0 / rate
    return full_at, max(0.0, full_at - now - burst / rate)
