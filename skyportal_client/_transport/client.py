"""What every ApiClient does: send an operation's RequestOptions with the client's headers, and turn the answer
into Python.

``ApiClient`` (generated from openapi.yaml) is this class with the spec's
configuration class, product name and the SkyPortal version it is tested against.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import threading
from concurrent import futures
from typing import Any, Dict, Mapping, Optional, Tuple, Type, TypeVar

from skyportal_client._transport.options import RequestOptions
from skyportal_client._transport.policy import RequestTimeout
from skyportal_client._transport.rest import Answer, RESTClient
from skyportal_client._transport.settings import BaseConfiguration
from skyportal_client.exceptions import ApiValueError

logger = logging.getLogger("skyportal_client")

PYTHON_VERSION = ".".join(platform.python_version_tuple()[:2])
Client = TypeVar("Client", bound="BaseClient")


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

    def call_api(self, options: RequestOptions, *, async_req: bool = False,
                 _request_timeout: Optional[RequestTimeout] = None, _preload_content: bool = True,
                 _return_http_data_only: bool = True, _headers: Optional[Mapping[str, str]] = None) -> Any:
        """Sends the request ``options`` describes, with the per-call options of a generated
        method, and decodes its answer.

        Args:
            options: the request, as the generated method builds it from its parameters.
            async_req: run in a thread and return an AsyncResult (``.get()`` gives the result).
            _request_timeout: seconds for the whole attempt, a (connect, read) pair, or a Timeout.
            _preload_content: False returns the urllib3 response of a 2xx answer, unread.
            _return_http_data_only: False returns (data, status, headers).
            _headers: headers for this request only, such as ``{"If-None-Match": etag}``;
                they replace the client's headers of the same name, and go to the
                configured server only (never after a redirect to another origin).
        """
        # Only the keywords given replace what ``options`` holds; most calls give none and send it as it is.
        given: Dict[str, Any] = {field: value for field, value, default in (
            ("timeout", _request_timeout, None), ("headers", _headers, None),
            ("preload_content", _preload_content, True), ("return_http_data_only", _return_http_data_only, True),
        ) if value is not default}
        if given:
            options = dataclasses.replace(options, **given)
        if async_req:
            return AsyncResult(self._thread_pool().submit(self._send, options))
        return self._send(options)

    def _send(self, options: RequestOptions) -> Any:
        if options.needs_token and not self._auth_headers and self.configuration.auth_header not in self.default_headers:
            raise ApiValueError("No token: pass Configuration(token=...) or set $SKYPORTAL_TOKEN to the token "
                                "shown on your SkyPortal profile page")
        answer = self.rest_client.request(options, {**self.default_headers, **self._auth_headers},
                                          self._origin_only_headers)
        if not options.preload_content:
            return answer
        data = self._data(answer, options.response_type)
        if options.return_http_data_only:
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
