"""The retry policy: which failures are tried again, and how long to wait first."""

import email.utils
import random
import time

# Safe to send twice: GET and DELETE change nothing the second time, and SkyPortal's
# PUT is an upsert that returns the existing ids for points it already has.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Answers from a proxy or gateway that are worth another try.
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# Answers given before the request reached SkyPortal's application, so that any
# method, POST included, can be sent again: nginx's rate limit (429) and the status
# page shown while the application is down (503).
NOT_PROCESSED_STATUSES = frozenset({429, 503})


class RetryPolicy:
    """When to try a request again, and how long to wait before doing so.

    A value object: ``increment`` returns the policy for the next attempt and leaves
    this one unchanged.

    Args:
        total: how many retries after the first attempt; 0 turns retries off.
        backoff_base: the first backoff, in seconds; it doubles with each retry.
        backoff_cap: the longest wait, in seconds, including one asked for by Retry-After.
        attempt: how many retries were made already.

    What is retried:

    * a connection that could not be made: every method, since nothing was sent;
    * a connection lost or a read timeout after the request was sent: only
      idempotent methods (GET, PUT, DELETE). A POST or PATCH may have been
      processed, and sending it again could write its points twice;
    * 429, 502, 503 and 504: idempotent methods always; POST and PATCH only on 429
      and 503, which are answered before the request reaches the application.

    400, 401, 403, 404, 405 and 500 are never retried: the same request would fail again.
    The wait is "full jitter": a random time between 0 and
    ``min(backoff_cap, backoff_base * 2 ** attempt)``, so that many clients retrying
    at once spread out. A Retry-After header is honoured instead, up to ``backoff_cap``.
    """

    __slots__ = ("total", "backoff_base", "backoff_cap", "attempt")

    def __init__(self, total=3, backoff_base=0.5, backoff_cap=30.0, attempt=0):
        if total < 0 or backoff_base < 0 or backoff_cap < 0:
            raise ValueError("RetryPolicy needs total, backoff_base and backoff_cap of 0 or more")
        self.total = total
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.attempt = attempt

    @property
    def remaining(self):
        """Retries still allowed."""
        return self.total - self.attempt

    def is_retry(self, method, *, status=None, reached_server=True):
        """Whether to try again after a response with ``status``, or after a connection
        failure (``status`` None) that may (``reached_server``) or cannot have reached the server."""
        if self.remaining <= 0:
            return False
        idempotent = method.upper() in IDEMPOTENT_METHODS
        if status is None:
            return idempotent or not reached_server
        if status not in RETRY_STATUSES:
            return False
        return idempotent or status in NOT_PROCESSED_STATUSES

    def backoff(self, retry_after=None):
        """Seconds to wait before the next attempt."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.backoff_cap)
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** self.attempt))

    def increment(self):
        """The policy for the next attempt."""
        return RetryPolicy(self.total, self.backoff_base, self.backoff_cap, self.attempt + 1)

    def __repr__(self):
        return (f"RetryPolicy(total={self.total}, backoff_base={self.backoff_base}, "
                f"backoff_cap={self.backoff_cap}, attempt={self.attempt})")

    def __eq__(self, other):
        if not isinstance(other, RetryPolicy):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)


def parse_retry_after(value):
    """Seconds from a Retry-After header (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
