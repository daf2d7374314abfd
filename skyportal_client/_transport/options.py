"""One request as a value: what a generated method asks for, carried unchanged to the transport.

A generated method builds a ``RequestOptions`` from its checked parameters; ``call_api``
puts the call's own options (``_request_timeout``, ``_headers``, ...) in it; ``RESTClient``
sends it. A variant is ``dataclasses.replace(options, decoder=...)``, and an
``async_req=True`` call hands the very same object to a thread.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Optional, Tuple
from urllib.parse import urlencode

from skyportal_client._transport import json_codec
from skyportal_client._transport.policy import RequestTimeout
from skyportal_client.exceptions import ApiTypeError, ApiValueError

# What the client should say when a request may have landed and the operation gives no advice.
DEFAULT_IF_UNKNOWN = {
    "POST": "check what the server holds before sending it again",
    "PATCH": "read it back to see whether the change was applied; sending the same PATCH again is harmless",
    "PUT": "sending it again is safe",
    "DELETE": "sending it again is safe",
}


@dataclasses.dataclass(frozen=True)
class RequestOptions:
    """One request: the operation's part, filled in by the generated method, and the call's.

    The operation's part:
        method, path: the operation, its path filled in (relative to the host, without the query).
        query: (name, value) pairs; pairs whose value is None are left out.
        body: a Model or a JSON-ready dict, sent as JSON.
        response_type: ``dict`` for the decoded envelope, or a Model class.
        if_unknown: what to tell the user when the request may have landed (by default
            the method's usual advice, from DEFAULT_IF_UNKNOWN).
        gone_messages: error messages meaning "already deleted" (see RESTClient.request).
        needs_token: False for an operation the server answers without a token (the
            token is still sent when there is one).
        decoder: turns the answer's bytes into the envelope (JSON by default; the
            light-curve reader decodes straight to columns).

    The call's part, from a generated method's per-call keywords:
        timeout: ``_request_timeout``, seconds for the whole attempt, a (connect, read)
            pair, or a Timeout; None for the configured one.
        preload_content: ``_preload_content``; False returns the urllib3 response of a
            2xx answer, unread.
        return_http_data_only: ``_return_http_data_only``; False returns (data, status, headers).
        headers: ``_headers``, headers for this request only, such as ``{"If-None-Match": etag}``;
            they replace the client's headers of the same name, and go to the configured
            server only (never after a redirect to another origin). Checked before sending.
    """

    method: str
    path: str
    query: Tuple[Tuple[str, Any], ...] = ()
    body: Any = None
    response_type: Any = dict
    if_unknown: str = ""
    gone_messages: Tuple[str, ...] = ()
    needs_token: bool = True
    decoder: Callable[[bytes], Any] = json_codec.loads
    timeout: Optional[RequestTimeout] = None
    preload_content: bool = True
    return_http_data_only: bool = True
    headers: Optional[Mapping[str, str]] = None

    def __post_init__(self) -> None:
        if not self.if_unknown:
            object.__setattr__(self, "if_unknown", DEFAULT_IF_UNKNOWN.get(self.method, ""))

    @property
    def path_and_query(self) -> str:
        """The path with the query string: what the request asks for, and what its errors name."""
        pairs = [(name, value) for name, value in self.query if value is not None]
        return f"{self.path}?{urlencode(pairs)}" if pairs else self.path

    @property
    def payload(self) -> Optional[bytes]:
        """The body as JSON, or None when there is none."""
        return None if self.body is None else json_codec.dumps(self.body)


def checked_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """``headers`` if every name and value is a string on one line; a clear error otherwise,
    before anything is sent (a line break would start another header)."""
    if not isinstance(headers, Mapping):
        raise ApiTypeError(f"_headers must be a mapping of header names to values, not {type(headers).__name__}")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ApiTypeError(f"_headers must map strings to strings; got {name!r}: {value!r}")
        if not name or any(character in name for character in "\r\n:") or "\r" in value or "\n" in value:
            raise ApiValueError(f"_headers: {name!r}: {value!r} is not a valid header (an empty name, a colon "
                                "in the name, or a line break)")
    return headers
