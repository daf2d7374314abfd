"""The transport: sends a request over urllib3 and returns the response, or raises.

The one place for the rate limit, retries, timeouts, redirects and errors; the
policies themselves live in ``throttle.Throttle`` and ``retry.RetryPolicy``.
"""

import logging
import time
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from skyportal_client.exceptions import ApiConnectionError, ApiTimeoutError, ApiTypeError, exception_for_response
from skyportal_client.throttle import Throttle

logger = logging.getLogger("skyportal_client")

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# urllib3 makes neither retries nor redirects: RetryPolicy and the loop in request() do.
# urllib3 turns ``retries=False`` into this very Retry on every call; one built once
# saves that per request (a Retry is never changed in place, so threads can share it).
NO_URLLIB3_RETRIES = urllib3.Retry(total=False, redirect=False)


class RESTClient:
    """Sends requests to one server (``configuration.host``) and follows its redirects."""

    def __init__(self, configuration):
        self.configuration = configuration
        self.throttle = (
            Throttle(configuration.rate_limit, configuration.rate_limit_burst)
            if configuration.rate_limit else None
        )
        pool_options = {
            "maxsize": configuration.connection_pool_maxsize,
            "block": False,
            "retries": False,
        }
        if configuration.host.startswith("https://"):
            pool_options["cert_reqs"] = "CERT_REQUIRED" if configuration.verify_ssl else "CERT_NONE"
            if configuration.ssl_ca_cert:
                pool_options["ca_certs"] = configuration.ssl_ca_cert
        if configuration.proxy:
            self._manager = urllib3.ProxyManager(configuration.proxy, **pool_options)
        else:
            self._manager = urllib3.PoolManager(**pool_options)
        self._origin, self._base_path = _split_host(configuration.host)
        self._pool = self._manager.connection_from_url(self._origin)
        # ((connect, read), urllib3.Timeout) for the configuration's timeouts, see _timeout.
        self._configured_timeout = (None, None)

    def close(self):
        self._manager.clear()

    def request(self, method, path, *, headers, body=None, timeout=None, preload_content=True):
        """The response to ``method path`` (path relative to the host, query included).

        Raises the ApiException subclass for an error status, ApiConnectionError or
        ApiTimeoutError when no answer came, after the retries the policy allows.
        """
        policy = self.configuration.retries
        timeout = self._timeout(timeout)
        pool, url = self._pool, self._base_path + path
        redirects = 0
        while True:
            if self.throttle is not None:
                self.throttle.acquire()
            started = time.perf_counter()
            try:
                response = pool.urlopen(
                    method, url, body=body, headers=headers, timeout=timeout, retries=NO_URLLIB3_RETRIES,
                    redirect=False, assert_same_host=False, preload_content=preload_content,
                )
            except HTTPError as error:
                reached = _may_have_reached_server(error)
                if policy.is_retry(method, reached_server=reached):
                    policy = self._wait(policy, method, path, type(error).__name__, None)
                    continue
                raise _connection_error(error, method, path, reached, policy.attempt + 1) from None
            status = response.status
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("%s %s -> %d in %.1f ms (attempt %d)", method, path, status,
                             (time.perf_counter() - started) * 1000, policy.attempt + 1)
            if status < 300:
                return response
            if status in REDIRECT_STATUSES and response.headers.get("Location"):
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise ApiConnectionError(f"More than {MAX_REDIRECTS} redirects", method=method, path=path)
                _release(response, preload_content)
                pool, url, headers, method, body = self._redirect(pool, url, headers, method, body, response)
                continue
            if policy.is_retry(method, status=status):
                retry_after = response.headers.get("Retry-After")
                _release(response, preload_content)
                policy = self._wait(policy, method, path, str(status), retry_after)
                continue
            if not preload_content:
                response.read()
            raise exception_for_response(response, method=method, path=path, attempts=policy.attempt + 1,
                                         token=self.configuration.token)

    def _timeout(self, timeout):
        """A urllib3 Timeout from a call's ``_request_timeout`` (seconds, or (connect, read)) or the configuration."""
        if timeout is None:
            # Built once rather than per request (urllib3 checks its values on every
            # construction), and again when the configuration's timeouts are changed.
            # One tuple, swapped whole, so that threads never see a mismatched pair.
            configured = (self.configuration.connect_timeout, self.configuration.read_timeout)
            built_for, built = self._configured_timeout
            if built_for != configured:
                built = urllib3.Timeout(connect=configured[0], read=configured[1])
                self._configured_timeout = (configured, built)
            return built
        if isinstance(timeout, (int, float)):
            return urllib3.Timeout(total=timeout)
        if isinstance(timeout, tuple) and len(timeout) == 2:
            return urllib3.Timeout(connect=timeout[0], read=timeout[1])
        if isinstance(timeout, urllib3.Timeout):
            return timeout
        raise ApiTypeError("_request_timeout must be seconds or a (connect, read) pair of seconds")

    def _wait(self, policy, method, path, cause, retry_after):
        delay = policy.backoff(retry_after)
        logger.info("%s %s: %s; retrying in %.2f s (retry %d of %d)", method, path, cause, delay,
                    policy.attempt + 1, policy.total)
        time.sleep(delay)
        return policy.increment()

    def _redirect(self, pool, url, headers, method, body, response):
        """Where a redirect leads. The token goes only to the host it was configured for."""
        target = urljoin(f"{pool.scheme}://{pool.host}:{pool.port}{url}", response.headers["Location"])
        parts = urlsplit(target)
        new_pool = self._manager.connection_from_url(target)
        if (new_pool.scheme, new_pool.host, new_pool.port) != (self._pool.scheme, self._pool.host, self._pool.port):
            headers = {name: value for name, value in headers.items() if name.lower() != "authorization"}
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return new_pool, path, headers, method, body


def _split_host(host):
    """The origin (scheme://host:port) and the path prefix of a configured host URL."""
    parts = urlsplit(host)
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def _may_have_reached_server(error):
    """False only when the connection was never made, so that the request was certainly not sent."""
    return not isinstance(error, (NewConnectionError, ConnectTimeoutError, ProxyError, SSLError))


def _release(response, preload_content):
    if not preload_content:
        response.drain_conn()
    response.release_conn()


def _connection_error(error, method, path, reached, attempts):
    # NewConnectionError is a ConnectTimeoutError subclass, but means "refused", not "slow".
    timed_out = isinstance(error, (ReadTimeoutError, ConnectTimeoutError)) and not isinstance(error, NewConnectionError)
    if isinstance(error, SSLError):
        detail = f"TLS failed: {error}. Check the certificate, or set Configuration.ssl_ca_cert"
    elif timed_out:
        detail = "The server did not answer in time"
    else:
        detail = f"The connection failed: {error}"
    if reached and method.upper() in ("POST", "PATCH"):
        detail += (f". The {method} may have reached the server, so it was not retried: "
                   "re-send uploads with PUT (api_photometry_put), which returns the existing ids "
                   "instead of writing points twice")
    cls = ApiTimeoutError if timed_out else ApiConnectionError
    return cls(detail, method=method, path=path, attempts=attempts, may_have_reached_server=reached)
