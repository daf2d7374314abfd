"""pytest fixtures for testing code that talks to SkyPortal.

Load with ``pytest_plugins = ["skyportal_client.testing.pytest_plugin"]`` (the
package also registers it as a ``pytest11`` entry point).

Fixtures (names and attributes are stable):

``skyportal`` (session)
    A ``SkyPortalTarget`` with ``url``, ``token`` (super-admin), ``embedded``
    (bool) and ``server`` (the ``SkyPortalTestServer``, None for a real one).
    It is the embedded server, unless the environment sets both
    ``SKYPORTAL_URL`` and ``SKYPORTAL_TOKEN``: then it is that SkyPortal.

``skyportal_server`` (session)
    The ``SkyPortalTestServer`` itself, for fault injection, rate limits and
    extra tokens; the test is skipped when running against a real SkyPortal.
    Faults and the rate limit are cleared after each test that uses it.

``skyportal_provisioned`` (function)
    A ``provision.Provisioned``: telescope, imager (ztfg/ztfr/ztfi), group
    (created once per session) and a fresh source (``obj_id``) per test.
"""

import dataclasses
import os

import pytest

from .provision import create_source, provision
from .server import SkyPortalTestServer


@dataclasses.dataclass(frozen=True)
class SkyPortalTarget:
    url: str
    token: str
    embedded: bool
    server: SkyPortalTestServer = None


@pytest.fixture(scope="session")
def skyportal():
    url, token = os.environ.get("SKYPORTAL_URL"), os.environ.get("SKYPORTAL_TOKEN")
    if url and token:
        yield SkyPortalTarget(url=url.rstrip("/"), token=token, embedded=False)
        return
    with SkyPortalTestServer() as server:
        yield SkyPortalTarget(url=server.url, token=server.token, embedded=True, server=server)


@pytest.fixture
def skyportal_server(skyportal):
    if not skyportal.embedded:
        pytest.skip("needs the embedded server (fault modes, rate limit or extra users)")
    yield skyportal.server
    skyportal.server.clear_faults()
    skyportal.server.set_rate_limit(None)


@pytest.fixture(scope="session")
def _skyportal_base_provisioning(skyportal):
    return provision(skyportal.url, skyportal.token)


@pytest.fixture
def skyportal_provisioned(skyportal, _skyportal_base_provisioning):
    base = _skyportal_base_provisioning
    return dataclasses.replace(base, obj_id=create_source(skyportal.url, skyportal.token, base.group_id))
