"""The status table and the messages: each status its class, the server's words kept, the token never shown."""

import json

import pytest
import urllib3

import skyportal_client
from skyportal_client.exceptions import EXCEPTION_BY_STATUS, exception_for_response

TRACEBACK = ("Traceback (most recent call last):\n  File \"photometry.py\", line 1854, in post\n"
             "marshmallow.exceptions.ValidationError: Instrument ZTF has no filter sdssu.\n")


def response(status, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return urllib3.HTTPResponse(body=data, status=status, headers={"Content-Type": content_type},
                                preload_content=True)


@pytest.mark.parametrize("status, cls", sorted(EXCEPTION_BY_STATUS.items()) + [(500, skyportal_client.ServiceException),
                                                                              (503, skyportal_client.ServiceException)])
def test_each_status_has_its_class(status, cls):
    error = exception_for_response(response(status, {"status": "error", "message": "m", "version": "1.4.0"}),
                                   method="GET", path="/api/x")
    assert type(error) is cls and isinstance(error, skyportal_client.ApiException)
    assert (error.status, error.message, error.server_version) == (status, "m", "1.4.0")


def test_a_traceback_is_kept_whole_but_shown_by_its_last_line():
    error = exception_for_response(response(400, {"status": "error", "message": TRACEBACK, "version": "1.4.0"}),
                                   method="POST", path="/api/photometry")
    assert error.message == TRACEBACK
    assert str(error) == ("400 on POST /api/photometry: marshmallow.exceptions.ValidationError: "
                          "Instrument ZTF has no filter sdssu. (SkyPortal 1.4.0)")


def test_an_html_page_gives_its_title():
    page = b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body></body></html>"
    error = exception_for_response(response(429, page, "text/html"), method="GET", path="/api/x")
    assert isinstance(error, skyportal_client.TooManyRequestsException)
    assert error.message == "429 Too Many Requests" and error.server_version is None


def test_the_token_is_taken_out_of_message_and_body():
    token = "6f1c2d3e-aaaa-bbbb-cccc-123456789abc"
    message = f"Insufficient permissions for User {token} to read Obj X"
    error = exception_for_response(response(403, {"status": "error", "message": message}),
                                   method="GET", path="/api/sources/X/photometry", token=token)
    assert token not in error.message and token.encode() not in error.body and token not in repr(error)
    assert "<token>" in error.message


def test_client_side_errors_are_value_and_type_errors():
    assert issubclass(skyportal_client.ApiValueError, ValueError)
    assert issubclass(skyportal_client.ApiTypeError, TypeError)
    assert not issubclass(skyportal_client.ApiValueError, skyportal_client.ApiException)
