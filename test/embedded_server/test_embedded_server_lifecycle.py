"""SkyPortalTestServer before start(), while running and after stop(): what needs a
running server says so instead of failing on a missing database."""

import pytest

from skyportal_client.testing import SkyPortalTestServer


def test_a_server_not_started_has_no_token_and_makes_none():
    server = SkyPortalTestServer()
    with pytest.raises(RuntimeError, match=r"no token before start\(\)"):
        server.token
    for use in (server.create_token, server.photometry_count):
        with pytest.raises(RuntimeError, match=r"not running: start\(\) it first"):
            use()


def test_a_stopped_server_keeps_its_admin_token_but_makes_no_more_tokens():
    with SkyPortalTestServer() as server:
        admin_token = server.token
        assert server.create_token() != admin_token
        assert server.photometry_count() == 0
    assert server.token == admin_token
    for use in (server.create_token, server.photometry_count):
        with pytest.raises(RuntimeError, match="not running"):
            use()


def test_a_running_server_is_not_started_twice():
    with SkyPortalTestServer() as server:
        token = server.token
        with pytest.raises(RuntimeError, match="running already"):
            server.start()
        assert server.token == token and server.photometry_count() == 0
