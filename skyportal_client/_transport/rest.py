"""The transport: sends a request over urllib3 and returns SkyPortal's answer, or raises.

The one place for the rate limit, retries, timeouts, redirects, the envelope check
and errors. What it decides by is one ``TransportPolicy``; whether a failed request
may have changed anything is ``outcome``'s rule; the exceptions and their messages
are made in ``exceptions``.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import sys
import time
from typing import Any, FrozenSet, Mapping, Optional, Tuple, Type
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from skyportal_client._transport import outcome as outcomes
from skyportal_client._transport.deadline import Watch, Watchdog, deadline_pool_manager
from skyportal_client._transport.options import RequestOptions, checked_headers
from skyportal_client._transport.outcome import Outcome
from skyportal_client._transport.policy import TransportPolicy
from skyportal_client._transport.retry import RetryEvent, RetryPolicy, parse_retry_after
from skyportal_client._transport.throttle import throttle_for
from skyportal_client.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ErrorContext,
    connection_refused_hint,
    error_for_answer,
    invalid_answer,
)

logger = logging.getLogger("skyportal_client")

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The redirects that clients follow with a GET; 307 and 308 keep the method and the body.
GET_REDIRECT_STATUSES = frozenset({301, 302, 303})
# urllib3 makes neither retries nor redirects: RetryPolicy and the loop in request() do.
# urllib3 turns ``retries=False`` into this very Retry on every call; one built once
# saves that per request (a Retry is never changed in place, so threads can share it).
NO_URLLIB3_RETRIES = urllib3.Retry(total=False, redirect=False)


@dataclasses.dataclass(frozen=True)
class Answer:
    """A usable answer: its status and headers, and SkyPortal's envelope decoded from the body
    (None for HEAD and 304, which have no body)."""

    status: int
    headers: Mapping[str, str]
    envelope: Any


class _Failure(Exception):
    """An attempt that failed: the exception to raise if it is not retried, and why it failed."""

    def __init__(self, error: ApiException, outcome: Outcome, cause: str, status: Optional[int] = None,
                 retry_after: Optional[str] = None):
        super().__init__(cause)
        self.error = error
        self.outcome = outcome
        self.cause = cause
        self.status = status
        self.retry_after = retry_after


class RESTClient:
    """Sends requests to one server (``host``), following its redirects, under ``policy``."""

    def __init__(self, host: str, policy: TransportPolicy, context: ErrorContext, *, verify_ssl: bool = True,
                 ssl_ca_cert: Optional[str] = None, proxy: Optional[str] = None, pool_maxsize: int = 10,
                 debug: bool = False):
        self.policy = policy
        self.context = context
        self.throttle = throttle_for(policy.rate_limit, host, context.token)
        pool_options: dict = {"maxsize": pool_maxsize, "block": False, "retries": False}
        if host.startswith("https://"):
            pool_options["cert_reqs"] = "CERT_REQUIRED" if verify_ssl else "CERT_NONE"
            if ssl_ca_cert:
                pool_options["ca_certs"] = ssl_ca_cert
        self._manager = deadline_pool_manager(proxy, **pool_options)
        parts = urlsplit(host)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self._pool = self._manager.connection_from_url(self._origin)
        self._watchdog = Watchdog()
        timeout = policy.timeout
        # Built once rather than per request: urllib3 checks its values on every construction.
        self._default_timeout = urllib3.Timeout(connect=timeout.connect, read=timeout.read)
        self._debug_log = _stderr_logger() if debug else None

    def close(self) -> None:
        self._watchdog.stop()
        self._manager.clear()
        if self.throttle is not None:
            self.throttle.close()

    def request(self, options: RequestOptions, client_headers: Mapping[str, str],
                origin_only_headers: FrozenSet[str] = frozenset()) -> Any:
        """SkyPortal's answer to the request of ``options``, sent with ``client_headers`` (the
        client's own, under the call's ``options.headers``); ``origin_only_headers`` are the
        lower-case names of those that go to the configured server only.

        Returns an ``Answer`` whose envelope has ``status`` "success", or, with
        ``options.preload_content`` False, the urllib3 response of a 2xx answer, unread (the
        caller's reads of it are bounded by the read timeout only: the total deadline ends
        here). ``options.decoder`` turns the body into the envelope. ``options.gone_messages``:
        the error messages that mean "already deleted"; when an earlier attempt may have
        landed, such an answer is the success it was. Raises the ApiException subclass for an
        error answer, InvalidAnswerError for a 2xx that is not SkyPortal's, ApiConnectionError
        or ApiTimeoutError when no answer came, once the retries the policy allows are spent.
        """
        headers = dict(client_headers)
        if options.headers:
            headers.update(checked_headers(options.headers))
            origin_only_headers = origin_only_headers | {name.lower() for name in options.headers}
        payload = options.payload
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = self._prepared(options)
        method, path, retries = options.method, request.path, self.policy.retries
        target = _Target(self._pool, self._base_path + path, method, payload, headers)
        redirects = 0
        landed_before = False  # an earlier attempt may have landed
        left_for: Optional[str] = None  # where a redirect to another origin led, without the credentials
        while True:
            if self.throttle is not None:
                self.throttle.acquire()
            started = time.perf_counter()
            try:
                result = self._attempt(target, request, retries)
            except _Failure as failure:
                self._log(method, path, failure.cause, started, retries)
                if self.throttle is not None and failure.status == 429:
                    self.throttle.on_throttled()
                landed_before = landed_before or failure.outcome is Outcome.UNKNOWN
                if landed_before and failure.status == 400 and _is_gone(failure.error, options.gone_messages):
                    return Answer(200, failure.error.headers or {}, _already_deleted(failure.error))
                delay = retries.backoff(failure.retry_after) if retries.is_retry(
                    method, failure.outcome, failure.status) else None
                if delay is None:
                    error = _final(failure, retries, landed_before, request.context)
                    if failure.status == 401 and left_for is not None:
                        error.restate(error.outcome, f"The request was redirected to {left_for}, another origin "
                                                     "than the host, where the token is not sent: set host to "
                                                     f"{_host_for(left_for, path)} if that is the server")
                    raise error from None
                event = RetryEvent(method, path, failure.cause, delay)
                logger.info("%s %s: %s; retrying in %.2f s (retry %d of %d)", method, path, failure.cause, delay,
                            retries.attempt + 1, retries.total)
                time.sleep(delay)
                retries = retries.increment(event)
                continue
            self._log(method, path, str(getattr(result, "status", "")), started, retries)
            if self.throttle is not None:
                self.throttle.on_success()
            if isinstance(result, _Redirect):
                redirects += 1
                if redirects > self.policy.redirects.max_redirects:
                    raise ApiConnectionError(f"More than {self.policy.redirects.max_redirects} redirects",
                                             method=method, path=path, outcome=Outcome.NOT_PROCESSED)
                target = self._redirect(target, result, origin_only_headers, path)
                if not self._is_configured_origin(target.pool):
                    left_for = f"{target.pool.scheme}://{target.pool.host}:{target.pool.port}{target.url}"
                continue
            return result

    def _prepared(self, options: RequestOptions) -> _Request:
        """What every attempt of ``options`` shares, worked out once before the first."""
        limits = self.policy.timeout.for_call(options.timeout)
        timeout = self._default_timeout if limits is self.policy.timeout else \
            urllib3.Timeout(connect=limits.connect, read=limits.read)
        context = dataclasses.replace(self.context, if_unknown=options.if_unknown)
        return _Request(options, options.path_and_query, limits.total, timeout, context)

    def _attempt(self, target: _Target, request: _Request, retries: RetryPolicy) -> Any:
        """One attempt: an Answer, a _Redirect, the raw response (``preload_content=False``), or _Failure."""
        method, path, context = target.method, request.path, request.context
        attempts = retries.attempt + 1
        watch = self._watchdog.watch(request.total)
        response = None
        keep_open = False  # a raw response handed to the caller keeps its connection
        try:
            response = target.pool.urlopen(
                method, target.url, body=target.body, headers=target.headers, timeout=request.timeout,
                retries=NO_URLLIB3_RETRIES, redirect=False, assert_same_host=False, preload_content=False,
            )
            status = response.status
            if 200 <= status < 300 and not request.options.preload_content:
                keep_open = True
                return response
            if status in REDIRECT_STATUSES and response.headers.get("Location"):
                response.drain_conn()
                return _Redirect(status, response.headers["Location"])
            # Read even a HEAD answer (urllib3 gives b""): until it is read, the connection is not
            # ready for another request, and the next one sent on it would fail.
            data = response.read()
        except HTTPError as error:
            if response is not None:
                response.close()
            raise self._no_answer(error, watch, target, request, retries) from None
        finally:
            self._watchdog.release(watch)
            if response is not None and not keep_open:
                response.release_conn()
        headers = response.headers
        if status == 304 or (method == "HEAD" and status < 300):
            return Answer(status, headers, None)
        envelope = request.options.decoder(data) if data else None
        if status < 300:
            if isinstance(envelope, dict) and envelope.get("status") == "success" and "data" in envelope:
                return Answer(status, headers, envelope)
            if isinstance(envelope, dict) and envelope.get("status") == "error":  # an error inside a 200
                refusal = error_for_answer(status, response.reason, headers, data, method=method, path=path,
                                           outcome=Outcome.REFUSED, context=context, attempts=attempts,
                                           history=retries.history, envelope=envelope)
                raise _Failure(refusal, Outcome.REFUSED, str(status), status)
            problem = ("The answer is not JSON" if envelope is None and data else
                       "The answer is empty" if not data else "The answer is not SkyPortal's envelope")
            raise _Failure(invalid_answer(status, response.reason, headers, data, problem, method=method, path=path,
                                          context=context, attempts=attempts, history=retries.history),
                           Outcome.UNKNOWN, f"{status} with an answer that is not SkyPortal's")
        outcome = outcomes.of_error_answer(status, envelope)
        failure = error_for_answer(status, response.reason, headers, data, method=method, path=path, outcome=outcome,
                                   context=context, attempts=attempts, history=retries.history, envelope=envelope)
        raise _Failure(failure, outcome, str(status), status, headers.get("Retry-After"))

    def _no_answer(self, error: HTTPError, watch: Watch, target: _Target, request: _Request,
                   retries: RetryPolicy) -> _Failure:
        method, context = target.method, request.context
        sent = watch.request_sent
        outcome = outcomes.of_connection_error(sent)
        hint = ""
        cls: Type[ApiConnectionError]
        # NewConnectionError is a ConnectTimeoutError subclass, but means "refused", not "slow".
        if watch.expired:
            cls, detail = ApiTimeoutError, f"The attempt took longer than its {request.total:g} s deadline (total_timeout)"
        elif isinstance(error, (ReadTimeoutError, ConnectTimeoutError)) and not isinstance(error, NewConnectionError):
            # urllib3 reports a TLS handshake that never ends as a read timeout.
            cls, detail = ApiTimeoutError, ("The server did not answer in time" if sent else
                                            "The connection was not set up in time (connect_timeout)")
        elif isinstance(error, SSLError):
            cls, detail = ApiConnectionError, (
                f"The TLS connection broke after the request was sent: {error}" if sent else
                f"TLS failed: {error}. Check the certificate, or set ssl_ca_cert")
        elif isinstance(error, NewConnectionError):
            # urllib3 puts its connection object's repr before the reason; the host and port say more.
            reason = str(error).split("Failed to establish a new connection: ", 1)[-1]
            where = f"{target.pool.host}:{target.pool.port}"
            cls, detail = ApiConnectionError, f"Could not connect to {where}: {context.redact(reason)}"
            hint = connection_refused_hint(context)
        else:
            cls, detail = ApiConnectionError, f"The connection failed: {context.redact(str(error))}"
        if outcome is Outcome.UNKNOWN and method not in ("GET", "HEAD"):
            hint = context.if_unknown
        exception = cls(detail, method=method, path=request.path, attempts=retries.attempt + 1, history=retries.history,
                        outcome=outcome, hint=hint)
        return _Failure(exception, outcome, type(error).__name__)

    def _redirect(self, target: _Target, redirect: _Redirect, origin_only_headers: FrozenSet[str],
                  path: str) -> _Target:
        """Where a redirect leads. What belongs to the configured server goes only there."""
        pool = target.pool
        location = urljoin(f"{pool.scheme}://{pool.host}:{pool.port}{target.url}", redirect.location)
        parts = urlsplit(location)
        if pool.scheme == "https" and parts.scheme == "http" and not self.policy.redirects.allow_https_to_http:
            raise ApiConnectionError(f"Redirected from https to plain http ({location}); not followed, "
                                     "so that nothing is sent unencrypted", method=target.method, path=path,
                                     outcome=Outcome.NOT_PROCESSED)
        new_pool = self._manager.connection_from_url(location)
        headers = target.headers
        if not self._is_configured_origin(new_pool):
            stripped = self.policy.redirects.strip_headers | origin_only_headers
            headers = {name: value for name, value in headers.items() if name.lower() not in stripped}
        method, body = target.method, target.body
        if redirect.status in GET_REDIRECT_STATUSES and method not in ("GET", "HEAD"):
            # Clients follow these as a GET without the body. For an API that is another
            # request than the one asked for: it would fail, or read where it should write.
            # A GET or HEAD is sent on as it is, with its body (the range query's) if it has one.
            raise ApiConnectionError(
                f"Redirected ({redirect.status}) to {location}: a {redirect.status} is followed as a GET "
                f"without the body, so this {method} was not sent there. Set host to "
                f"{_host_for(location, path)}", method=method, path=path, outcome=Outcome.NOT_PROCESSED)
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        return _Target(new_pool, url, method, body, headers)

    def _is_configured_origin(self, pool: Any) -> bool:
        return (pool.scheme, pool.host, pool.port) == (self._pool.scheme, self._pool.host, self._pool.port)

    def _log(self, method: str, path: str, result: str, started: float, retries: RetryPolicy) -> None:
        debug_log = self._debug_log
        if debug_log is None and not logger.isEnabledFor(logging.DEBUG):
            return
        line = "%s %s -> %s in %.1f ms (attempt %d)"
        arguments = (method, path, result, (time.perf_counter() - started) * 1000, retries.attempt + 1)
        logger.debug(line, *arguments)
        if debug_log is not None:
            debug_log.debug(line, *arguments)


@dataclasses.dataclass(frozen=True)
class _Request:
    """A request's options, with what the transport makes of them once for all its attempts:
    the path its errors name (with the query), the attempt's deadline and timeouts, and the
    context of its errors (the operation's advice for when it may have landed)."""

    options: RequestOptions
    path: str
    total: float
    timeout: urllib3.Timeout
    context: ErrorContext


@dataclasses.dataclass(frozen=True)
class _Target:
    pool: Any
    url: str
    method: str
    body: Optional[bytes]
    headers: dict


@dataclasses.dataclass(frozen=True)
class _Redirect:
    status: int
    location: str


def _host_for(location: str, path: str) -> str:
    """The host setting that sends the request for ``path`` (relative to the host) to ``location``:
    the location without that path, or else its origin."""
    located, api_path = location.split("?", 1)[0], path.split("?", 1)[0]
    if located.endswith(api_path) and len(located) > len(api_path):
        return located[:-len(api_path)]
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}"


def _is_gone(error: ApiException, gone_messages: Tuple[str, ...]) -> bool:
    return any(gone in (error.message or "") for gone in gone_messages)


def _already_deleted(error: ApiException) -> dict:
    return {"status": "success", "data": {}, "version": error.server_version,
            "message": "Already deleted: an earlier attempt of this request was processed, and its answer lost"}


def _final(failure: _Failure, retries: RetryPolicy, landed_before: bool, context: ErrorContext) -> ApiException:
    """The exception to raise for the last attempt. An earlier attempt that may have landed
    makes the whole call's outcome unknown, whatever the last attempt met."""
    error = failure.error
    if landed_before and error.outcome is not Outcome.UNKNOWN:
        error.restate(Outcome.UNKNOWN, context.if_unknown if error.method not in ("GET", "HEAD") else error.hint)
    asked = parse_retry_after(failure.retry_after)
    # Not retried because the wait asked for is too long, or because no retry is left: either
    # way the server said when it would take the request again.
    if asked is not None and (asked > retries.retry_after_max or retries.remaining <= 0) and retries.is_retryable(
            error.method or "", error.outcome, failure.status):
        when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=asked)
        longer = (f", longer than RetryPolicy.retry_after_max ({retries.retry_after_max:g} s)"
                  if asked > retries.retry_after_max else "")
        error.restate(error.outcome, f"The server asked to wait {asked:g} s (Retry-After){longer}: try again after "
                                     f"{when:%H:%M:%S} UTC")
    return error


def _stderr_logger() -> logging.Logger:
    """A logger of this client's own, writing to stderr: ``debug=True`` shows this client's
    requests without changing the process's logging set-up."""
    debug_log = logging.Logger("skyportal_client.debug", logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("skyportal_client: %(message)s"))
    debug_log.addHandler(handler)
    return debug_log
