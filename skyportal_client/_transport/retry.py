"""The retry policy: which failures are tried again, how long to wait first, and what happened so far."""

from __future__ import annotations

import dataclasses
import email.utils
import random
import time
from typing import FrozenSet, Optional, Tuple

from skyportal_client._transport.outcome import Outcome
from skyportal_client._util.checks import is_integer, is_number
from skyportal_client.exceptions import ApiTypeError, ApiValueError

# Safe to send twice: GET and DELETE change nothing the second time, and SkyPortal's
# PUT is an upsert that returns the existing ids for points it already has.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Answers from SkyPortal's proxy, or from the application while it starts, that are
# worth another try. Whether a POST or PATCH may be sent again after one of them
# depends on whether the application saw the request (see ``outcome``).
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclasses.dataclass(frozen=True)
class RetryEvent:
    """One failed attempt that was tried again: what failed, and how long the client waited."""

    method: str
    path: str
    cause: str  # the status ("503") or the connection error's class name ("ProtocolError")
    waited: float


@dataclasses.dataclass(frozen=True, repr=False)
class RetryPolicy:
    """When to try a request again, and how long to wait before doing so.

    A value: ``increment`` returns the policy for the next attempt, carrying the
    ``history`` of the retries made, and leaves this one unchanged.

    Args:
        total: how many retries after the first attempt; 0 turns retries off.
        backoff_base: the first backoff, in seconds; it doubles with each retry.
        backoff_max: the longest backoff, in seconds.
        retry_after_max: the longest ``Retry-After`` the client waits for. A server that
            asks for a longer wait is not retried early: the error says when to come back.
        methods: the methods sent again after any retryable failure, because sending
            them twice does no harm (default: GET, HEAD, OPTIONS, PUT, DELETE).
        statuses: the answers that are retried (default: 429, 502, 503, 504).
        history: the retries made so far, oldest first.

    What is retried:

    * a request that was certainly not processed (the connection could not be made,
      or an answer that SkyPortal's proxy gives before the application sees the
      request: 429, and the 503 "System provisioning" page): every method;
    * a failure after which the request may have been processed (a connection lost
      after sending, a read timeout, a 502 or 504, an unreadable answer): only
      ``methods``. A POST or PATCH is then not sent again, since the first may
      have landed, and the error says so.

    400, 401, 403, 404, 405, 413 and 500 are never retried: the same request would fail again.
    The wait is "full jitter": a random time between 0 and
    ``min(backoff_max, backoff_base * 2 ** attempt)``, so that many clients retrying
    at once spread out. A ``Retry-After`` header is honoured instead, up to ``retry_after_max``.
    """

    total: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    methods: FrozenSet[str] = IDEMPOTENT_METHODS
    statuses: FrozenSet[int] = RETRY_STATUSES
    history: Tuple[RetryEvent, ...] = ()

    def __post_init__(self) -> None:
        if not is_integer(self.total):
            raise ApiTypeError(f"RetryPolicy.total must be a whole number of retries, not {self.total!r}")
        for name in ("backoff_base", "backoff_max", "retry_after_max"):
            value = getattr(self, name)
            if not is_number(value):
                raise ApiTypeError(f"RetryPolicy.{name} must be a number of seconds, not {value!r}")
        if self.total < 0 or self.backoff_base < 0 or self.backoff_max < 0 or self.retry_after_max < 0:
            raise ApiValueError("RetryPolicy needs total, backoff_base, backoff_max and retry_after_max of 0 or more")
        if isinstance(self.methods, str) or not all(isinstance(method, str) for method in self.methods):
            raise ApiTypeError(f"RetryPolicy.methods must be a set of method names such as {{'GET'}}, "
                               f"not {self.methods!r}")
        if not all(is_integer(status) for status in self.statuses):
            raise ApiTypeError(f"RetryPolicy.statuses must be a set of status codes such as {{503}}, "
                               f"not {self.statuses!r}")
        # Sets given as lists or in lower case work the same; the stored ones are hashable.
        object.__setattr__(self, "methods", frozenset(method.upper() for method in self.methods))
        object.__setattr__(self, "statuses", frozenset(self.statuses))
        object.__setattr__(self, "history", tuple(self.history))

    @property
    def attempt(self) -> int:
        """How many retries were made already."""
        return len(self.history)

    @property
    def remaining(self) -> int:
        """Retries still allowed."""
        return self.total - self.attempt

    def is_retry(self, method: str, outcome: Outcome, status: Optional[int] = None) -> bool:
        """Whether to try again after an attempt that failed with ``outcome`` (and ``status``,
        when an answer came)."""
        return self.remaining > 0 and self.is_retryable(method, outcome, status)

    def is_retryable(self, method: str, outcome: Outcome, status: Optional[int] = None) -> bool:
        """Whether such a failure is of the kind tried again, retries left or not."""
        if outcome is Outcome.REFUSED:
            return False
        if status is not None and status not in self.statuses:
            return False
        return outcome in (Outcome.NOT_SENT, Outcome.NOT_PROCESSED) or method.upper() in self.methods

    def backoff(self, retry_after: Optional[str] = None) -> Optional[float]:
        """Seconds to wait before the next attempt; None when ``retry_after`` asks for longer
        than ``retry_after_max``, so that the request must not be retried now."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return asked if asked <= self.retry_after_max else None
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** self.attempt))

    def __repr__(self) -> str:
        shown = [f"{field.name}={getattr(self, field.name)!r}" for field in dataclasses.fields(self)
                 if field.name in ("total", "backoff_base", "backoff_max", "retry_after_max")
                 or getattr(self, field.name) != field.default]
        return f"RetryPolicy({', '.join(shown)})"

    def increment(self, event: RetryEvent) -> RetryPolicy:
        """The policy for the next attempt, with ``event`` added to the history."""
        return dataclasses.replace(self, history=self.history + (event,))


def parse_retry_after(value: Optional[str]) -> Optional[float]:
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
