"""Whether a thing exists, from SkyPortal's answer to a HEAD request: a 404 without a body
says nothing of who answered, so it counts as "no" only once SkyPortal is known to answer."""

from __future__ import annotations

from typing import Callable

from skyportal_client.api.system_info_api import SystemInfoApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import NotFoundException


def exists(api_client: ApiClient, head: Callable[[], object]) -> bool:
    """True when ``head()`` (a generated HEAD method) succeeds, False on its 404; a wrong host's
    404 raises what asking that host for SkyPortal's version raises instead."""
    try:
        head()
    except NotFoundException:
        # SkyPortal's version is known once it has answered anything; else ask, to be sure it is there.
        if api_client.server_version is None:
            SystemInfoApi(api_client).api_sysinfo_get()
        return False
    return True
