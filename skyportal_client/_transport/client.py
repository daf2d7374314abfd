"""What every ApiClient does: turn an operation's checked parameters into a request, and the answer into Python.

``ApiClient`` (generated from openapi.yaml) is this class with the spec's
configuration class, product name and the SkyPortal version it is tested against.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import threading
from concurrent import futures
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
)
from urllib.parse import urlencode

from skyportal_client._transport import json_codec
from skyportal_client._transport.policy import RequestTimeout
from skyportal_client._transport.rest import Answer, RESTClient
from skyportal_client._transport.settings import BaseConfiguration
from skyportal_client.exceptions import ApiTypeError, ApiValueError

logger = logging.getLogger("skyportal_client")

PYTHON_VERSION = ".".join(platform.python_version_tuple()[:2])
Client = TypeVar("Client", bound="BaseClient")

# What the client should say when a request may have landed and the operation gives no advice.
DEFAULT_IF_UNKNOWN = {
    "POST": "check what the server holds before sending it again",
    "PATCH": "read it back to see whether the change was applied; sending the same PATCH again is harmless",
    "PUT": "sending it again is safe",
    "DELETE": "sending it again is safe",
}


class BaseClient:
    """A connection to one SkyPortal server, shared by the API classes and by threads.

    Use it as a context manager so that its connections are closed::

        with skyportal_client.ApiClient(configuration) as api_client:
            api = photometry_api.PhotometryApi(api_client)

    Args:
        configuration: a Configuration; by default one built from $SKYPORTAL_URL and
            $SKYPORTAL_TOKEN. The client reads it once, now (see Configuration).
        header_name, header_value: one extra header sent with every request, to the
            configured server only (never after a redirect to another origin).
        cookie: a Cookie header sent with every request, likewise.
        pool_threads: threads serving ``async_req=True`` calls.
    """

    # Set by the generated ApiClient, from openapi.yaml.
    configuration_class: Type[BaseConfiguration] = BaseConfiguration
    product = "skyportal-client"
    oldest_tested_server_version = "0"

    def __init__(self, configuration: Optional[BaseConfiguration] = None, header_name: Optional[str] = None,
                 header_value: Optional[str] = None, cookie: Optional[str] = None, pool_threads: int = 1):
        self.configuration = configuration if configuration is not None else self.configuration_class()
        self.default_headers: Dict[str, str] = {
            "Accept": "application/json", "Accept-Encoding": "gzip",
            "User-Agent": f"{self.product} python/{PYTHON_VERSION}",
        }
        self._origin_only_headers: frozenset = frozenset()
        if header_name is not None:
            self.set_default_header(header_name, header_value)
        if cookie is not None:
            self.set_default_header("Cookie", cookie)
        self.pool_threads = pool_threads
        configuration = self.configuration
        self.policy = configuration.transport_policy()
        self._context = configuration.error_context()
        self.rest_client = RESTClient(
            configuration.host, self.policy, self._context, verify_ssl=configuration.verify_ssl,
            ssl_ca_cert=configuration.ssl_ca_cert, proxy=configuration.proxy,
            pool_maxsize=configuration.connection_pool_maxsize, debug=configuration.debug,
        )
        self._auth_headers = configuration.auth_headers()
        configuration.mark_in_use()
        self._oldest_tested = _release(self.oldest_tested_server_version)
        self.server_version: Optional[str] = None
        self._executor: Optional[futures.ThreadPoolExecutor] = None
        self._executor_lock = threading.Lock()

    def __enter__(self: Client) -> Client:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connections and stops the threads of ``async_req`` calls."""
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
        self.rest_client.close()

    @property
    def user_agent(self) -> str:
        return self.default_headers["User-Agent"]

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.default_headers["User-Agent"] = value

    def set_default_header(self, name: str, value: Optional[str]) -> None:
        """Send ``name: value`` with every request, to the configured server only."""
        self.default_headers[name] = value  # type: ignore[assignment]
        self._origin_only_headers = self._origin_only_headers | {name.lower()}

    def call_api(self, method: str, path: str, *, path_params: Optional[Dict[str, str]] = None,
                 query: Iterable[Tuple[str, Any]] = (), body: Any = None, response_type: Any = dict,
                 if_unknown: str = "", gone_messages: Tuple[str, ...] = (),
                 decoder: Optional[Callable[[bytes], Any]] = None, needs_token: bool = True, async_req: bool = False,
                 _request_timeout: Optional[RequestTimeout] = None, _preload_content: bool = True,
                 _return_http_data_only: bool = True, _headers: Optional[Mapping[str, str]] = None) -> Any:
        """Sends one request and decodes its answer.

        Args:
            method, path: the operation, its path with ``{name}`` placeholders.
            path_params: the encoded value for each placeholder.
            query: (name, value) pairs; pairs whose value is None are left out.
            body: a Model or a JSON-ready dict, sent as JSON.
            response_type: ``dict`` for the decoded envelope, or a Model class.
            if_unknown: what to tell the user when the request may have landed.
            gone_messages: error messages meaning "already deleted" (see RESTClient.request).
            decoder: turns the answer's bytes into the envelope (default: JSON).
            needs_token: False for an operation the server answers without a token
                (the token is still sent when there is one).
            async_req: run in a thread and return an AsyncResult (``.get()`` gives the result).
            _request_timeout: seconds for the whole attempt, a (connect, read) pair, or a Timeout.
            _preload_content: False returns the urllib3 response of a 2xx answer, unread.
            _return_http_data_only: False returns (data, status, headers).
            _headers: headers for this request only, such as ``{"If-None-Match": etag}``;
                they replace the client's headers of the same name, and go to the
                configured server only (never after a redirect to another origin).
        """
        if async_req:
            return AsyncResult(self._thread_pool().submit(
                self.call_api, method, path, path_params=path_params, query=query, body=body,
                response_type=response_type, if_unknown=if_unknown, gone_messages=gone_messages, decoder=decoder,
                needs_token=needs_token, _request_timeout=_request_timeout, _preload_content=_preload_content,
                _return_http_data_only=_return_http_data_only, _headers=_headers,
            ))
        if needs_token and not self._auth_headers and self.configuration.auth_header not in self.default_headers:
            raise ApiValueError("No token: pass Configuration(token=...) or set $SKYPORTAL_TOKEN to the token "
                                "shown on your SkyPortal profile page")
        if path_params:
            path = path.format_map(path_params)
        pairs = [(name, value) for name, value in query if value is not None]
        if pairs:
            path += "?" + urlencode(pairs)
        headers = {**self.default_headers, **self._auth_headers}
        origin_only_headers = self._origin_only_headers
        if _headers:
            headers.update(_checked_headers(_headers))
            origin_only_headers = origin_only_headers | {name.lower() for name in _headers}
        payload = None
        if body is not None:
            payload = json_codec.dumps(body)
            headers["Content-Type"] = "application/json"
        context = dataclasses.replace(self._context, if_unknown=if_unknown or DEFAULT_IF_UNKNOWN.get(method, ""))
        answer = self.rest_client.request(
            method, path, headers=headers, body=payload, timeout=_request_timeout, preload_content=_preload_content,
            origin_only_headers=origin_only_headers, decoder=decoder or json_codec.loads,
            gone_messages=gone_messages, context=context,
        )
        if not _preload_content:
            return answer
        data = self._data(answer, response_type)
        if _return_http_data_only:
            return data
        return data, answer.status, answer.headers

    def _data(self, answer: Answer, response_type: Any) -> Any:
        envelope = answer.envelope
        if envelope is None:  # HEAD, 304
            return None
        version = envelope.get("version")
        if version != self.server_version and version is not None:
            self._note_server_version(version)
        if response_type is dict:
            return envelope
        return response_type.from_server(envelope)

    def _note_server_version(self, version: str) -> None:
        self.server_version = version
        release = _release(version)
        if release is not None and self._oldest_tested is not None and release < self._oldest_tested:
            logger.warning("SkyPortal %s is older than %s, the oldest this client is tested against",
                           version, self.oldest_tested_server_version)

    def _thread_pool(self) -> futures.ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = futures.ThreadPoolExecutor(self.pool_threads, thread_name_prefix="skyportal_client")
            return self._executor


def _checked_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
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


def _release(version: str) -> Optional[Tuple[int, ...]]:
    """(1, 4, 0) for "1.4.0" or "1.4.0+gitabc"; None for a version that is not numbers."""
    try:
        return tuple(int(part) for part in version.split("+")[0].split(".")[:3])
    except ValueError:
        return None


class AsyncResult:
    """The pending result of an ``async_req=True`` call."""

    def __init__(self, future: futures.Future):
        self._future = future

    def get(self, timeout: Optional[float] = None) -> Any:
        """The call's result, waiting up to ``timeout`` seconds; raises what the call raised."""
        return self._future.result(timeout)

    def ready(self) -> bool:
        return self._future.done()

    def successful(self) -> bool:
        if not self._future.done():
            raise ValueError("The call has not finished")
        return self._future.exception() is None

    def wait(self, timeout: Optional[float] = None) -> None:
        """Waits up to ``timeout`` seconds for the call to finish."""
        futures.wait([self._future], timeout)
