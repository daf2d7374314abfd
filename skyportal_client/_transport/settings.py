"""The settings of a client: where the server is, how to authenticate, how patient to be.

``Configuration`` (generated from openapi.yaml) is this class with the spec's
default host and the way its security scheme sends the token.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, Optional, Union

from skyportal_client._transport.policy import (
    RateLimit,
    RedirectPolicy,
    Timeout,
    TransportPolicy,
    check_rate_limit,
)
from skyportal_client._transport.retry import RetryPolicy
from skyportal_client._util.checks import is_integer, is_number
from skyportal_client.exceptions import ApiTypeError, ApiValueError, ErrorContext

HOST_VARIABLE = "SKYPORTAL_URL"
TOKEN_VARIABLE = "SKYPORTAL_TOKEN"

# SkyPortal's tokens are UUIDs; a host of that shape is a token given in the wrong place.
_LOOKS_LIKE_A_TOKEN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)

SETTINGS = (
    "host", "token", "connect_timeout", "read_timeout", "total_timeout", "retries", "rate_limit",
    "rate_limit_burst", "rate_limit_store", "verify_ssl", "ssl_ca_cert", "proxy", "connection_pool_maxsize",
    "max_redirects", "debug",
)


class BaseConfiguration:
    """Settings for an ApiClient.

    Args:
        host: the server's URL. Defaults to $SKYPORTAL_URL, then to the spec's server
            (https://fritz.science).
        token: the API token from your SkyPortal profile page, alone (no "token " or
            "Bearer " before it). Defaults to $SKYPORTAL_TOKEN.
        api_key: ``{"token": "<token>"}``, the form older generated clients used; same as ``token``.
        connect_timeout: seconds to wait for a connection (default 10).
        read_timeout: seconds to wait for each read of the answer, the first byte
            included (default 55, under the 60 s after which SkyPortal's proxy cuts a request).
        total_timeout: seconds one attempt may take in all, from connecting to the last
            byte of the answer (default 300, room for a 100 000-point light curve). Not for
            the body of a raw response (``_preload_content=False``), which the caller reads
            under ``read_timeout`` alone.
        retries: a RetryPolicy, or a number of retries (0 turns retries off).
            Default: 3 retries, backoff from 0.5 s doubling up to 30 s.
        rate_limit: requests per second across all threads of one ApiClient (default 5,
            SkyPortal's own limit per token); None turns the client-side limit off. After a
            429 the client sends slower for a while, and recovers gradually, so that processes
            sharing a token settle on the server's limit (docs/many-processes.md).
        rate_limit_burst: how many requests may go at once before ``rate_limit`` applies (default 10).
        rate_limit_store: share one rate limit among processes: "sqlite:///path/file.db"
            (the processes of one machine; four slashes for an absolute path) or
            "redis://host:6379/0" (many machines; needs ``pip install "skyportal-client[redis]"``).
            Default None: each client keeps its own.
        verify_ssl: check the server's TLS certificate (default True).
        ssl_ca_cert: a CA bundle file to check it against.
        proxy: an HTTP proxy URL.
        connection_pool_maxsize: connections kept open for threads sharing the client (default 10).
        max_redirects: redirects followed for one request (default 5).
        debug: write every request of clients made with this configuration to stderr
            (method, path, status, time; never headers, bodies or the token).
        host_source, token_source: how error messages name where ``host`` and ``token``
            came from when they are given (a command line names its options, "--url").

    An ApiClient reads its configuration once, when it is made. Changing the
    configuration afterwards would not change that client, so it raises
    ApiValueError instead: make a new ApiClient from ``configuration.replace(...)``.
    """

    # Set by the generated Configuration, from openapi.yaml.
    default_host = ""
    auth_header = "Authorization"
    token_prefix = "token "

    def __init__(self, host: Optional[str] = None, token: Optional[str] = None, *,
                 api_key: Optional[Dict[str, str]] = None, connect_timeout: float = 10.0,
                 read_timeout: float = 55.0, total_timeout: float = 300.0,
                 retries: Union[RetryPolicy, int, None] = None, rate_limit: Optional[float] = 5.0,
                 rate_limit_burst: int = 10, rate_limit_store: Optional[str] = None, verify_ssl: bool = True,
                 ssl_ca_cert: Optional[str] = None,
                 proxy: Optional[str] = None, connection_pool_maxsize: int = 10, max_redirects: int = 5,
                 debug: bool = False, host_source: str = "the host= argument",
                 token_source: str = "the token= argument"):
        # host_source and token_source name the arguments; a value found elsewhere names its own source.
        if not host:
            if os.environ.get(HOST_VARIABLE):
                host, host_source = os.environ[HOST_VARIABLE], f"${HOST_VARIABLE}"
            else:
                host, host_source = self.default_host, "the default host"
        if token is None:
            if api_key:
                token, token_source = api_key.get("token"), 'api_key["token"]'
            elif os.environ.get(TOKEN_VARIABLE) is not None:
                token, token_source = os.environ[TOKEN_VARIABLE], f"${TOKEN_VARIABLE}"
            else:
                token_source = ""
        self._set_host(host, host_source)
        self._set_token(token, token_source)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.retries = retries
        self.rate_limit = rate_limit
        self.rate_limit_burst = rate_limit_burst
        self.rate_limit_store = rate_limit_store
        self.verify_ssl = verify_ssl
        self.ssl_ca_cert = ssl_ca_cert
        self.proxy = proxy
        self.connection_pool_maxsize = connection_pool_maxsize
        self.max_redirects = max_redirects
        self.debug = debug
        self._check_limits()  # now, naming the setting, not at the first request

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_in_use"):
            raise ApiValueError(
                f"This Configuration is in use by an ApiClient, which read it when it was made; setting "
                f"{name} now would not change that client. Make a new one instead: "
                f"ApiClient(configuration.replace({name}=...))")
        super().__setattr__(name, value)

    @property
    def host(self) -> str:
        return self._host

    @host.setter
    def host(self, value: str) -> None:
        self._set_host(value, "the host attribute")

    def _set_host(self, value: Any, source: str) -> None:
        """Checks ``value`` and keeps it, with where it came from for later messages."""
        if isinstance(value, str) and _LOOKS_LIKE_A_TOKEN.match(value.strip()):
            # Not echoed: it is probably the token itself, which no message shows.
            raise ApiValueError(f"The host (from {source}) looks like an API token, not a URL: pass the token "
                                f"as token= and the server as host= (such as {self._example_host()})")
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ApiValueError(f"The host (from {source}) must be a URL starting with http:// or https:// "
                                f"(such as {self._example_host()}), not {value!r}")
        self._host = value.rstrip("/")
        self.host_source = source

    def _example_host(self) -> str:
        return self.default_host or "https://fritz.science"

    @property
    def token(self) -> Optional[str]:
        return self._token

    @token.setter
    def token(self, value: Optional[str]) -> None:
        self._set_token(value, "the token attribute")

    def _set_token(self, value: Optional[str], source: str) -> None:
        """Checks ``value`` and keeps it, with where it came from for later messages (never the value)."""
        if value is not None:
            if not isinstance(value, str):
                raise ApiValueError(f"The token (from {source}) must be a string, not {type(value).__name__}")
            value = value.strip()
            prefix = value.split(" ", 1)[0]
            if prefix.lower() in ("token", "bearer") and " " in value:
                raise ApiValueError(f'Pass the token alone, without "{prefix} " before it (the value from {source} '
                                    f'has it): the client sends "{self.auth_header}: {self.token_prefix}<token>" '
                                    "itself")
            if not value:
                raise ApiValueError(f"The token (from {source}) is empty: give the token shown on your SkyPortal "
                                    "profile page")
            if any(character.isspace() or ord(character) < 32 for character in value):
                raise ApiValueError(f"The token (from {source}) must be one word with no spaces or control "
                                    "characters")
        self._token = value
        self.token_source = source if value is not None else ""

    @property
    def retries(self) -> RetryPolicy:
        return self._retries

    @retries.setter
    def retries(self, value: Union[RetryPolicy, int, None]) -> None:
        if value is None:
            value = RetryPolicy()
        elif not isinstance(value, RetryPolicy):
            _require("retries", value, "a RetryPolicy or a number of retries, 0 or more", is_integer, minimum=0)
            value = RetryPolicy(total=value)
        self._retries = value

    def _check_limits(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            _require(name, getattr(self, name), "a number of seconds above 0", is_number, above=0)
        check_rate_limit(self.rate_limit, self.rate_limit_burst, self.rate_limit_store)
        _require("connection_pool_maxsize", self.connection_pool_maxsize, "a number of connections, at least 1",
                 is_integer, minimum=1)
        _require("max_redirects", self.max_redirects, "a number of redirects, 0 or more", is_integer, minimum=0)

    def transport_policy(self) -> TransportPolicy:
        """The timeouts, retries, rate limit and redirects these settings make, as one value."""
        return TransportPolicy(
            timeout=Timeout(self.connect_timeout, self.read_timeout, self.total_timeout),
            retries=self._retries,
            rate_limit=RateLimit(self.rate_limit, self.rate_limit_burst, store=self.rate_limit_store)
            if self.rate_limit else None,
            redirects=RedirectPolicy(max_redirects=self.max_redirects),
        )

    def auth_headers(self) -> Dict[str, str]:
        """The header that carries the token, or nothing when there is no token."""
        return {self.auth_header: f"{self.token_prefix}{self._token}"} if self._token else {}

    def error_context(self) -> ErrorContext:
        """What error messages may use of these settings (the token only to take it out)."""
        return ErrorContext(host=self._host, host_source=self.host_source, token=self._token,
                            token_source=self.token_source, token_prefix=self.token_prefix)

    def replace(self, **changes: Any) -> BaseConfiguration:
        """A new configuration with these settings changed and the others kept: the host and
        the token as they are here, with where they came from, whatever the environment says
        now (``token=None`` makes a copy without a token)."""
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise ApiValueError(f"Configuration has no setting {', '.join(sorted(unknown))}; "
                                f"its settings are {', '.join(SETTINGS)}")
        # Copied, not made anew: the constructor would read $SKYPORTAL_TOKEN for a missing token.
        copy = object.__new__(type(self))
        copy.__dict__.update((name, value) for name, value in self.__dict__.items() if name != "_in_use")
        if "host" in changes:
            copy._set_host(changes.pop("host"), "the host= argument")
        if "token" in changes:
            copy._set_token(changes.pop("token"), "the token= argument")
        for name, value in changes.items():
            setattr(copy, name, value)
        copy._check_limits()
        return copy

    def mark_in_use(self) -> None:
        """Called by ApiClient: from now on the settings stay as they are."""
        object.__setattr__(self, "_in_use", True)

    def __repr__(self) -> str:
        shown = "'<hidden>'" if self._token else "None"
        return (f"Configuration(host={self._host!r}, token={shown}, connect_timeout={self.connect_timeout}, "
                f"read_timeout={self.read_timeout}, total_timeout={self.total_timeout}, "
                f"retries={self._retries!r}, rate_limit={self.rate_limit}, "
                f"rate_limit_burst={self.rate_limit_burst}, verify_ssl={self.verify_ssl})")


def _require(name: str, value: Any, what: str, kind: Any, above: Optional[float] = None,
             minimum: Optional[int] = None) -> None:
    """Refuses a setting's value that is not of ``kind`` (ApiTypeError) or out of range (ApiValueError)."""
    if not kind(value):
        raise ApiTypeError(f"{name} must be {what}, not {value!r}")
    if (above is not None and not value > above) or (minimum is not None and value < minimum):
        raise ApiValueError(f"{name} must be {what}, not {value!r}")
