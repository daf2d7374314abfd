"""pytest fixtures for testing code that talks to SkyPortal.

Load with ``pytest_plugins = ["skyportal_client.testing.pytest_plugin"]``, or
through a ``pytest11`` entry point.  Name that entry point after the module
(``skyportal_client.testing.pytest_plugin = skyportal_client.testing.pytest_plugin``):
pytest then sees a conftest's ``pytest_plugins`` line as already loaded
instead of registering the module twice.

Fixtures (names and attributes are stable):

``skyportal`` (session)
    A ``SkyPortalTarget`` with ``url``, ``token`` (super-admin), ``embedded``
    (bool) and ``server`` (the ``SkyPortalTestServer``, None for a real one).
    It is the embedded server, unless the environment sets both
    ``SKYPORTAL_TEST_URL`` and ``SKYPORTAL_TEST_TOKEN``: then it is that
    SkyPortal (one not on loopback also needs ``SKYPORTAL_TEST_ALLOW_REMOTE=1``).
    ``SKYPORTAL_URL`` and ``SKYPORTAL_TOKEN``, a user's everyday settings, are
    never followed: ``real_server`` says why.

``skyportal_server`` (session)
    The ``SkyPortalTestServer`` itself, for fault injection, rate limits and
    extra tokens; the test is skipped when running against a real SkyPortal.
    Faults and the rate limit are cleared after each test that uses it.

``skyportal_provisioned`` (function)
    A ``provision.Provisioned`` with ``url``, ``token``, ``telescope_id``,
    ``instrument_id``, ``instrument_name``, ``filters`` (ztfg, ztfr, ztfi),
    ``group_id``, ``group_name`` and ``obj_id``.  The telescope, imager and
    group are created once per session through the HTTP API; ``obj_id`` is a
    fresh source, saved to the group, for every test.  Against a real SkyPortal
    whose token may not create them, the tests that use it are skipped with
    the server's reason.
"""

import dataclasses
import os
from collections.abc import Iterator

import pytest

from ..exceptions import ApiValueError
from .provision import Provisioned, ProvisioningError, create_source, provision
from .real_server import TOKEN_VARIABLE, URL_VARIABLE, real_skyportal
from .server import SkyPortalTestServer


@dataclasses.dataclass(frozen=True)
class SkyPortalTarget:
    url: str
    token: str
    embedded: bool
    server: SkyPortalTestServer | None = None


_REAL_SKYPORTAL = pytest.StashKey[tuple[str, str] | None]()


def pytest_configure(config: pytest.Config) -> None:
    """Decide once, before any test runs or any request is sent, whether a real SkyPortal is tested."""
    try:
        config.stash[_REAL_SKYPORTAL] = real_skyportal(os.environ)
    except ApiValueError as refusal:
        raise pytest.UsageError(str(refusal)) from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say at the top of the run when the tests will write to a real SkyPortal."""
    real = config.stash.get(_REAL_SKYPORTAL, None)
    if real is not None:
        return [f"skyportal: testing against {real[0]} ({URL_VARIABLE} and {TOKEN_VARIABLE} are set); "
                "the tests create telescopes, instruments, groups, sources and photometry there"]
    return ["skyportal: testing against the embedded server"]


@pytest.fixture(scope="session")
def skyportal(pytestconfig: pytest.Config) -> Iterator[SkyPortalTarget]:
    real = pytestconfig.stash.get(_REAL_SKYPORTAL, None)
    if real is not None:
        yield SkyPortalTarget(url=real[0], token=real[1], embedded=False)
        return
    with SkyPortalTestServer() as server:
        yield SkyPortalTarget(url=server.url, token=server.token, embedded=True, server=server)


@pytest.fixture
def skyportal_server(skyportal: SkyPortalTarget) -> Iterator[SkyPortalTestServer]:
    server = skyportal.server
    if server is None:  # a real SkyPortal
        pytest.skip("needs the embedded server (fault modes, rate limit or extra users)")
    yield server
    server.clear_faults()
    server.set_rate_limit(None)


@pytest.fixture(scope="session")
def _skyportal_base_provisioning(skyportal: SkyPortalTarget) -> Provisioned:
    try:
        return provision(skyportal.url, skyportal.token)
    except ProvisioningError as error:
        # A token without the rights (an instrument needs System admin or Manage
        # allocations) cannot set up what these tests need; the embedded server's can.
        refused = " -> 401:" in str(error) or "permission" in str(error).lower()
        if skyportal.embedded or not refused:
            raise
        pytest.skip(f"the token may not create the telescope, instrument and group the tests need: {error}")


@pytest.fixture
def skyportal_provisioned(skyportal: SkyPortalTarget, _skyportal_base_provisioning: Provisioned) -> Provisioned:
    base = _skyportal_base_provisioning
    return dataclasses.replace(base, obj_id=create_source(skyportal.url, skyportal.token, base.group_id))
