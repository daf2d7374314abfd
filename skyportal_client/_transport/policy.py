"""The transport policy: timeouts, retries, the rate limit and redirects, as one immutable value.

``Configuration.transport_policy`` builds it from the settings; an ``ApiClient``
takes it once, when it is made, and its transport follows it for every request.
"""

from __future__ import annotations

import dataclasses
from typing import Any, FrozenSet, Optional, Tuple, Union

from skyportal_client._transport.retry import RetryPolicy
from skyportal_client._transport.shared_limit import check_store_url
from skyportal_client._util.checks import is_integer, is_number
from skyportal_client.exceptions import ApiTypeError, ApiValueError

# What a call's ``_request_timeout`` may be: seconds for the whole attempt, a
# (connect, read) pair of seconds, or a Timeout.
RequestTimeout = Union[float, Tuple[float, float], "Timeout"]


@dataclasses.dataclass(frozen=True)
class Timeout:
    """How long one attempt of a request may take, in seconds.

    Args:
        connect: to open the connection.
        read: for each read of the answer, so also before the answer starts.
        total: for the whole attempt, from connecting to the last byte of the answer,
            however the server paces its bytes. A raw response (``_preload_content=False``)
            is returned once its headers are in: the caller reads its body, and only
            ``read`` bounds each of those reads.
    """

    connect: float = 10.0
    read: float = 55.0
    total: float = 300.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if not is_number(value):
                raise ApiTypeError(f"Timeout.{name} must be a number of seconds, not {value!r}")
            if not value > 0:
                raise ApiValueError(f"Timeout.{name} must be above 0 seconds, not {value!r}")

    def for_call(self, request_timeout: Optional[RequestTimeout]) -> Timeout:
        """The timeout of one call, from its ``_request_timeout`` and this default.

        A number bounds the whole attempt (connecting and reading included). A
        (connect, read) pair sets those two and keeps the total at least their sum,
        so that a long read asked for is not cut short by the default total.
        """
        if request_timeout is None:
            return self
        if isinstance(request_timeout, Timeout):
            return request_timeout
        if is_number(request_timeout):
            return Timeout(connect=min(self.connect, request_timeout), read=min(self.read, request_timeout),
                           total=request_timeout)
        if isinstance(request_timeout, tuple) and len(request_timeout) == 2:
            connect, read = request_timeout
            if is_number(connect) and is_number(read):
                return Timeout(connect=connect, read=read, total=max(self.total, connect + read))
        raise ApiTypeError("_request_timeout must be seconds, a (connect, read) pair of seconds, or a Timeout; "
                           f"got {request_timeout!r}")


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """At most ``rate`` requests per second on average, in bursts of up to ``burst``.

    ``adaptive``: lower the rate after a 429 and recover gradually (see ``throttle``).
    ``store``: a URL of a store whose bucket other processes and machines share
    (see ``shared_limit``); None keeps the bucket in this process.
    """

    rate: float = 5.0
    burst: int = 10
    adaptive: bool = True
    store: Optional[str] = None

    def __post_init__(self) -> None:
        check_rate_limit(self.rate, self.burst, self.store)


def check_rate_limit(rate: Any, burst: Any, store: Any = None) -> None:
    """The rule for a rate limit, named as Configuration names its settings: ``rate`` a number
    of requests per second above 0 or None (no limit), ``burst`` a count of at least 1,
    ``store`` one of the forms ``shared_limit`` knows, and only with a rate."""
    what = "a number of requests per second above 0, or None for no limit"
    if rate is not None and not is_number(rate):
        raise ApiTypeError(f"rate_limit must be {what}, not {rate!r}")
    if rate is not None and not rate > 0:
        raise ApiValueError(f"rate_limit must be {what}, not {rate!r}")
    what = "a number of requests, at least 1"
    if not is_integer(burst):
        raise ApiTypeError(f"rate_limit_burst must be {what}, not {burst!r}")
    if burst < 1:
        raise ApiValueError(f"rate_limit_burst must be {what}, not {burst!r}")
    check_store_url(store)
    if store is not None and rate is None:
        raise ApiValueError("rate_limit_store shares a rate limit, and rate_limit is None (no limit): "
                            "give rate_limit too, or leave rate_limit_store out")


@dataclasses.dataclass(frozen=True)
class RedirectPolicy:
    """Which redirects are followed, and what a redirect to another origin loses.

    Args:
        max_redirects: redirects followed for one request.
        strip_headers: headers (lower case) never sent to an origin other than the
            configured host's. The client adds every header it was given for the
            server (``ApiClient(header_name=..., cookie=...)``, ``set_default_header``).
        allow_https_to_http: follow a redirect from https to plain http, which would
            send the request, and what it carries, unencrypted. Off by default.
    """

    max_redirects: int = 5
    strip_headers: FrozenSet[str] = frozenset({"authorization", "cookie", "proxy-authorization"})
    allow_https_to_http: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "strip_headers", frozenset(name.lower() for name in self.strip_headers))


@dataclasses.dataclass(frozen=True)
class TransportPolicy:
    """Everything the transport decides by: timeouts, retries, the rate limit (None: no
    client-side limit) and redirects."""

    timeout: Timeout = Timeout()
    retries: RetryPolicy = RetryPolicy()
    rate_limit: Optional[RateLimit] = RateLimit()
    redirects: RedirectPolicy = RedirectPolicy()
