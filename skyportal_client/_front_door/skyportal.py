"""``SkyPortal``: the front door, one object for everything the client does with a server.

    >>> import skyportal_client
    >>> from skyportal_client.testing import SkyPortalTestServer
    >>> with SkyPortalTestServer() as server, skyportal_client.SkyPortal(server.url, server.token) as sp:
    ...     print(sp.version, [group.name for group in sp.groups.list()])
    1.4.0 ['Sitewide Group', 'provisioned-admin']

It is made of the layers below it: the generated API classes (``sp.api_client`` is
their ApiClient) and the helpers of ``_light_curves`` and ``_uploads``.
"""

from __future__ import annotations

import difflib
import threading
from typing import Any, Optional

from skyportal_client._front_door import (
    Annotations,
    Candidates,
    Classifications,
    Filters,
    Groups,
    Instruments,
    Photometry,
    Sources,
    Streams,
    Telescopes,
    Thumbnails,
)
from skyportal_client._transport.settings import SETTINGS, TOKEN_VARIABLE
from skyportal_client.api.system_info_api import SystemInfoApi
from skyportal_client.api_client import ApiClient
from skyportal_client.configuration import Configuration
from skyportal_client.exceptions import ApiTypeError, ApiValueError

# What SkyPortal(**settings) takes: every Configuration setting but the two it names itself.
KEYWORD_SETTINGS = tuple(name for name in SETTINGS if name not in ("host", "token"))


class SkyPortal:
    """A SkyPortal server, as a token sees it.

    Args:
        host: the server's URL, such as "https://fritz.science". Default: $SKYPORTAL_URL,
            then https://fritz.science.
        token: the API token from your profile page, alone. Default: $SKYPORTAL_TOKEN.
        settings: any other setting of Configuration: connect_timeout, read_timeout,
            total_timeout, retries, rate_limit, rate_limit_burst, rate_limit_store, verify_ssl,
            ssl_ca_cert, proxy, connection_pool_maxsize, max_redirects, debug.

    Attributes:
        photometry, sources, instruments, telescopes, groups: what there is on the
            server, each with its verbs (``sp.photometry.get(obj_id)``).
        candidates, annotations, thumbnails, streams, filters, classifications: what an alert broker
            writes and reads for each alert (docs/alerts.md).
        api_client: the ApiClient underneath, for the generated API classes
            (``PhotometryApi(sp.api_client)``).

    Everything is checked now, before any request: a missing token, a token with "token "
    or "Bearer " before it, a host without http:// or https://, an unknown setting. Use it
    as a context manager, or call ``close()``, so that its connections are closed. One
    SkyPortal may be shared by threads: they share its connections, rate limit and retries.
    """

    def __init__(self, host: Optional[str] = None, token: Optional[str] = None, **settings: Any):
        unknown = [name for name in settings if name not in KEYWORD_SETTINGS]
        if unknown:
            raise ApiTypeError(_unknown_settings_message(unknown))
        configuration = Configuration(host, token, **settings)
        if configuration.token is None:
            raise ApiValueError(f"No token: pass SkyPortal(token=...) or set ${TOKEN_VARIABLE} to the token shown "
                                f"on your profile page ({configuration.host}/profile)")
        self._api_client = ApiClient(configuration)
        self.photometry = Photometry(self._api_client)
        self.sources = Sources(self._api_client)
        self.instruments = Instruments(self._api_client)
        self.telescopes = Telescopes(self._api_client)
        self.groups = Groups(self._api_client)
        self.candidates = Candidates(self._api_client)
        self.annotations = Annotations(self._api_client)
        self.thumbnails = Thumbnails(self._api_client)
        self.streams = Streams(self._api_client)
        self.filters = Filters(self._api_client)
        self.classifications = Classifications(self._api_client)
        self._version: Optional[str] = None
        self._version_lock = threading.Lock()

    @property
    def api_client(self) -> ApiClient:
        """The ApiClient all requests go through: pass it to the generated API classes."""
        return self._api_client

    @property
    def host(self) -> str:
        """The server's URL."""
        return self._api_client.configuration.host

    @property
    def version(self) -> str:
        """The server's SkyPortal version, such as "1.4.0": asked once, when first read."""
        with self._version_lock:
            if self._version is None:
                self._version = SystemInfoApi(self._api_client).api_sysinfo_get().version
            return self._version

    def close(self) -> None:
        """Closes the connections."""
        self._api_client.close()

    def __enter__(self) -> SkyPortal:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SkyPortal(host={self.host!r}, token='<hidden>')"


def _unknown_settings_message(unknown: list) -> str:
    plural = "s" if len(unknown) > 1 else ""
    guesses = []
    for name in unknown:
        close = difflib.get_close_matches(name, KEYWORD_SETTINGS, n=1, cutoff=0.6)
        guesses.append(f"{name!r} (did you mean {close[0]}=?)" if close else repr(name))
    return (f"SkyPortal() got an unexpected keyword argument{plural} {', '.join(guesses)}; it takes host, token "
            f"and the settings {', '.join(KEYWORD_SETTINGS)}")
