"""The token never appears in logs, reprs, exception texts or debug output."""

import logging

import pytest

import skyportal_client
from skyportal_client.api.photometry_api import PhotometryApi


def test_the_log_names_each_request_but_not_the_token(photometry, client_log, skyportal, skyportal_provisioned):
    photometry.api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)
    line = client_log[-1]
    assert f"GET /api/sources/{skyportal_provisioned.obj_id}/photometry -> 200" in line and "attempt 1" in line
    assert skyportal.token not in "\n".join(client_log)


def test_configuration_repr_hides_the_token(configuration, skyportal):
    assert skyportal.token not in repr(configuration) and "<hidden>" in repr(configuration)
    assert configuration.token == skyportal.token  # hidden from repr, not lost


def test_debug_output_has_requests_but_no_token_or_headers(skyportal, skyportal_provisioned, capfd):
    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, rate_limit=None,
                                                   debug=True)
    try:
        with skyportal_client.ApiClient(configuration) as client:
            PhotometryApi(client).api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)
            with pytest.raises(skyportal_client.ForbiddenException):
                PhotometryApi(client).api_sources_obj_id_photometry_get("NOPE_NOT_EXIST")
    finally:
        configuration.debug = False
    printed = capfd.readouterr()
    output = printed.out + printed.err
    assert "/photometry -> 200" in output and "-> 403" in output
    assert skyportal.token not in output and "Authorization" not in output
    assert not [h for h in logging.getLogger("skyportal_client").handlers if getattr(h, "_skyportal_debug", False)]


def test_a_token_with_its_prefix_or_a_line_break_is_refused():
    with pytest.raises(skyportal_client.ApiValueError, match="without|alone"):
        skyportal_client.Configuration(token="token abc")
    with pytest.raises(skyportal_client.ApiValueError):
        skyportal_client.Configuration(token="abc\r\nX-Injected: 1")


def test_the_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SKYPORTAL_TOKEN", "from-env")
    monkeypatch.setenv("SKYPORTAL_URL", "http://127.0.0.1:1")
    configuration = skyportal_client.Configuration()
    assert (configuration.host, configuration.token) == ("http://127.0.0.1:1", "from-env")
    assert configuration.auth_headers() == {"Authorization": "token from-env"}
    assert skyportal_client.Configuration(api_key={"token": "legacy"}).token == "legacy"
