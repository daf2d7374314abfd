"""Conformance suite: SkyPortal's observed photometry API behaviour.

Runs against the embedded server, or against a real SkyPortal when
SKYPORTAL_TEST_URL and SKYPORTAL_TEST_TOKEN are set (tests needing the embedded server
are then skipped).  Written with plain urllib3, independent of the SDK.
"""

import pytest
from plain_http import Api, Uploads


@pytest.fixture(scope="session")
def api(skyportal):
    return Api(skyportal.url, skyportal.token)


@pytest.fixture
def setup(skyportal_provisioned):
    """Telescope, imager (ztfg/ztfr/ztfi), group and a fresh source."""
    return skyportal_provisioned


@pytest.fixture
def uploads(api, setup):
    return Uploads(api, setup)


@pytest.fixture
def embedded_only(skyportal):
    if not skyportal.embedded:
        pytest.skip("needs the embedded server")
