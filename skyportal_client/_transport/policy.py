"""The transport policy: timeouts, retries, the rate limit and redirects, as one immutable value.

``Configuration.transport_policy`` builds it from the settings; an ``ApiClient``
takes it once, when it is made, and its transport follows it for every request.
"""

from __future__ import annotations

import dataclasses
from typing import FrozenSet, Optional, Tuple, Union

from skyportal_client._transport.retry import RetryPolicy
from skyportal_client._util.checks import is_number
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
    """At most ``rate`` requests per second on average, in bursts of up to ``burst``."""

    rate: float = 5.0
    burst: int = 10

    def __post_init__(self) -> None:
        if not self.rate > 0 or self.burst < 1:
            raise ValueError("RateLimit needs a rate above 0 and a burst of at least 1")


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
