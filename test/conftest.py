"""Every test runs with the network closed but for loopback and the SkyPortal under test.

The default host (fritz.science) is for users: a test that would reach it, or any
other host, fails at once instead of sending anything.
"""

import contextlib
import logging
import os
import socket
from urllib.parse import urlsplit

import pytest

import skyportal_client
from skyportal_client._transport import json_codec
from skyportal_client.api import photometry_api
from skyportal_client.testing import real_server


class ForbiddenHostError(OSError):
    """A test tried to reach a host that is neither loopback nor the SkyPortal under test."""


@pytest.fixture(autouse=True, scope="session")
def only_loopback():
    """Refuses every name lookup and connection but to loopback and, when the tests run
    against a real SkyPortal ($SKYPORTAL_TEST_URL, see real_server), to its host."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    allowed_names, allowed_addresses = set(), set()
    real = real_server.real_skyportal(os.environ)
    if real is not None:
        name = urlsplit(real[0]).hostname
        allowed_names.add(name)
        allowed_addresses.update(info[4][0] for info in real_getaddrinfo(name, None))

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not real_server.is_loopback(host) and host not in allowed_names:
            raise ForbiddenHostError(f"tests may only contact loopback, not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if not real_server.is_loopback(host) and host not in allowed_addresses:
                raise ForbiddenHostError(f"tests may only contact loopback, not {host!r}")
        return real_connect(sock, address)

    socket.getaddrinfo, socket.socket.connect = getaddrinfo, connect
    yield
    socket.getaddrinfo, socket.socket.connect = real_getaddrinfo, real_connect


@pytest.fixture(autouse=True, scope="session")
def json_libraries():
    """SKYPORTAL_TEST_JSON=stdlib runs the whole suite with the fast JSON path off, as it runs
    where the [fast] extra is not installed."""
    choice = os.environ.get("SKYPORTAL_TEST_JSON", "fast")
    if choice not in ("fast", "stdlib"):
        raise pytest.UsageError(f"SKYPORTAL_TEST_JSON must be fast or stdlib, not {choice!r}")
    json_codec.use_fast_json(choice == "fast")
    yield
    json_codec.use_fast_json(True)


@pytest.fixture
def configuration(skyportal):
    """A Configuration for the SkyPortal under test, with the client-side rate limit off
    (the embedded server has none unless a test turns it on) and quick retries."""
    return skyportal_client.Configuration(
        host=skyportal.url, token=skyportal.token, rate_limit=None,
        retries=skyportal_client.RetryPolicy(total=3, backoff_base=0.01, backoff_max=0.1),
    )


@pytest.fixture
def api_client(configuration):
    with skyportal_client.ApiClient(configuration) as client:
        yield client


@pytest.fixture
def photometry(api_client):
    return photometry_api.PhotometryApi(api_client)


@pytest.fixture
def environment_points_at_server(skyportal, monkeypatch):
    """$SKYPORTAL_URL and $SKYPORTAL_TOKEN set to the server under test, as a user's shell would."""
    monkeypatch.setenv("SKYPORTAL_URL", skyportal.url)
    monkeypatch.setenv("SKYPORTAL_TOKEN", skyportal.token)


@pytest.fixture
def permitted(skyportal):
    """``with permitted("create telescopes"):`` around a call that creates or deletes.

    A real SkyPortal's token may lack the permission (401, or a 400 saying so): the
    test is then skipped with the server's words. The embedded server's token has
    every permission, so there any refusal fails the test.
    """

    @contextlib.contextmanager
    def permitted(what):
        try:
            yield
        except skyportal_client.ApiException as error:
            refused = error.status == 401 or "permission" in (error.message or "").lower()
            if skyportal.embedded or not refused:
                raise
            pytest.skip(f"the token may not {what} on {skyportal.url}: {error.summary or error.status}")

    return permitted


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True, scope="session")
def client_log(skyportal):
    """Every record the client logs, at DEBUG, over the whole session; at the end, none holds the token."""
    logger = logging.getLogger("skyportal_client")
    capture, level = _Capture(), logger.level
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    yield capture.lines
    logger.removeHandler(capture)
    logger.setLevel(level)
    assert not [line for line in capture.lines if skyportal.token in line]
