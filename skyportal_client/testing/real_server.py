"""Which real SkyPortal, if any, a test run may write to: the one rule the pytest plugin,
the project's own suite and the interop workflow share.

Tests create telescopes, instruments, groups, sources and photometry. They therefore never
follow ``SKYPORTAL_URL`` and ``SKYPORTAL_TOKEN``, the variables a user exports for everyday
work (on Fritz, say): a plain ``pytest`` in such a shell stays on the embedded server. A real
SkyPortal is tested only when named by the variables below, and one that is not on loopback
only with the explicit opt-in as well.
"""

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..exceptions import ApiValueError

URL_VARIABLE = "SKYPORTAL_TEST_URL"
TOKEN_VARIABLE = "SKYPORTAL_TEST_TOKEN"
REMOTE_OPT_IN_VARIABLE = "SKYPORTAL_TEST_ALLOW_REMOTE"


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (a zone suffix such as ``%lo`` is ignored)."""
    if host is None:
        return False
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


def real_skyportal(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """The (url, token) of the real SkyPortal to test, or None for the embedded server.

    Raises ApiValueError, naming the variable to set, when only one of the two variables is set
    or when the host is not loopback and the opt-in is not ``1``; nothing has been sent then.
    """
    url, token = environ.get(URL_VARIABLE, ""), environ.get(TOKEN_VARIABLE, "")
    if not url and not token:
        return None
    if not url or not token:
        given, missing = (URL_VARIABLE, TOKEN_VARIABLE) if url else (TOKEN_VARIABLE, URL_VARIABLE)
        raise ApiValueError(f"${given} is set but ${missing} is not: set both to test against a real SkyPortal, "
                            "or neither to test against the embedded server")
    host = urlsplit(url).hostname
    if not url.startswith(("http://", "https://")) or not host:
        raise ApiValueError(f"${URL_VARIABLE} must be a URL starting with http:// or https://, not {url!r}")
    if not is_loopback(host) and environ.get(REMOTE_OPT_IN_VARIABLE) != "1":
        raise ApiValueError(f"${URL_VARIABLE} names {host}, which is not loopback: the tests would create "
                            f"telescopes, instruments, groups, sources and photometry there. Set "
                            f"{REMOTE_OPT_IN_VARIABLE}=1 to test against it on purpose, or unset ${URL_VARIABLE}")
    return url.rstrip("/"), token
