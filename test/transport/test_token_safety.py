"""The token never appears in logs, reprs, exception texts or debug output."""

import logging

import pytest

import skyportal_client
from skyportal_client.api.groups_api import GroupsApi
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
    logger = logging.getLogger("skyportal_client")
    handlers, level = list(logger.handlers), logger.level
    debugged = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, rate_limit=None, debug=True)
    quiet = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, rate_limit=None)
    with skyportal_client.ApiClient(debugged) as client, skyportal_client.ApiClient(quiet) as other:
        PhotometryApi(client).api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)
        with pytest.raises(skyportal_client.ForbiddenException):
            PhotometryApi(client).api_sources_obj_id_photometry_get("NOPE_NOT_EXIST")
        PhotometryApi(other).api_photometry_range_get(photometry_range_query={"instrument_ids": [0]})
    printed = capfd.readouterr()
    assert printed.out == ""
    assert "/photometry -> 200" in printed.err and "-> 403" in printed.err
    assert "/api/photometry/range" not in printed.err  # the other client's request
    assert skyportal.token not in printed.err and "Authorization" not in printed.err
    # Nothing global changed: the package logger keeps the application's set-up.
    assert (logger.handlers, logger.level) == (handlers, level)


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


def test_the_error_context_shows_no_token_in_its_repr(configuration, skyportal):
    context = configuration.error_context()
    assert context.token == skyportal.token and skyportal.token not in repr(context)


def test_a_token_too_short_to_take_out_everywhere_is_taken_out_where_it_is_sent(skyportal, skyportal_server):
    short = "s3cr3t7"
    configuration = skyportal_client.Configuration(host=skyportal.url, token=short, rate_limit=None, retries=0)
    skyportal_server.inject_fault("echo-200")
    with skyportal_client.ApiClient(configuration) as client:
        with pytest.raises(skyportal_client.InvalidAnswerError) as raised:
            GroupsApi(client).api_groups_get()
    error = raised.value
    assert "Authorization: token <token>" in error.message
    shown = [str(error), repr(error), error.message, error.body.decode(), str(error.headers)]
    assert not [text for text in shown if short in text]
