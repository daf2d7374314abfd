"""The status table and the messages: each status its class, the server's words kept, the token never shown."""

import json

import pytest

import skyportal_client
from skyportal_client._transport.outcome import Outcome
from skyportal_client.exceptions import (
    EXCEPTION_BY_STATUS,
    ErrorContext,
    error_for_answer,
    meaningful_line,
)

TRACEBACK = ("Traceback (most recent call last):\n  File \"photometry.py\", line 1854, in post\n"
             "    raise ValidationError(\n"
             "marshmallow.exceptions.ValidationError: Instrument ZTF has no filter sdssu.\n")

# The shape of SkyPortal's answer to more than 65 535 bound parameters (observed-exchanges-2.md).
PARAMETER_LIMIT_TRACEBACK = (
    "Traceback (most recent call last):\n  File \"psycopg/cursor.py\", line 97, in _execute\n"
    "psycopg.OperationalError: sending query and params failed: number of parameters must be between 0 and 65535\n"
    "\nThe above exception was the direct cause of the following exception:\n\n"
    "Traceback (most recent call last):\n  File \"photometry.py\", line 1301, in insert_new_photometry_data\n"
    "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) sending query and params failed: "
    "number of parameters must be between 0 and 65535\n"
    "[SQL: INSERT INTO group_photometry (photometry_id, group_id, created_at, modified) VALUES\n"
    "(%(photometry_id_m0)s::BIGINT, ...)]\n[parameters: {'photometry_id_m0': 1, ValueError: 'x'}]\n"
    "(Background on this error at: https://sqlalche.me/e/20/e3q8)\n")


def error(status, body, method="GET", context=ErrorContext(), outcome=Outcome.REFUSED, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return error_for_answer(status, "Reason", {"Content-Type": content_type}, data, method=method,
                            path="/api/x", outcome=outcome, context=context)


@pytest.mark.parametrize("status, cls", sorted(EXCEPTION_BY_STATUS.items()) + [(500, skyportal_client.ServiceException),
                                                                              (503, skyportal_client.ServiceException)])
def test_each_status_has_its_class(status, cls):
    raised = error(status, {"status": "error", "message": "m", "version": "1.4.0"})
    assert type(raised) is cls and isinstance(raised, skyportal_client.ApiException)
    assert (raised.status, raised.message, raised.server_version) == (status, "m", "1.4.0")


def test_a_traceback_is_kept_whole_but_shown_by_its_exception_line():
    raised = error(400, {"status": "error", "message": TRACEBACK, "version": "1.4.0"}, method="POST")
    assert raised.message == TRACEBACK
    assert str(raised) == ("400 Reason on POST /api/x: marshmallow.exceptions.ValidationError: "
                           "Instrument ZTF has no filter sdssu. (SkyPortal 1.4.0). Nothing was changed")


def test_a_traceback_ending_in_sqlalchemy_s_link_is_shown_by_its_error_not_the_link():
    line = meaningful_line(PARAMETER_LIMIT_TRACEBACK)
    assert line.startswith("sqlalchemy.exc.OperationalError: (psycopg.OperationalError) sending query")
    assert "sqlalche.me" not in line and "[SQL" not in line


def test_a_long_message_is_cut_to_a_readable_length():
    assert len(meaningful_line("x" * 10_000)) == 300


def test_an_html_page_gives_its_title():
    page = b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body></body></html>"
    raised = error(429, page, outcome=Outcome.NOT_PROCESSED, content_type="text/html")
    assert isinstance(raised, skyportal_client.TooManyRequestsException)
    assert raised.summary == "429 Too Many Requests" and raised.server_version is None


def test_a_body_that_is_not_json_is_shown_in_one_line_not_by_its_last_line():
    raised = error(502, b"upstream failed\nretry later\n561843\n", outcome=Outcome.UNKNOWN, content_type="text/plain")
    assert raised.summary == "upstream failed retry later 561843"


def test_the_token_is_taken_out_of_message_body_headers_and_text():
    token = "6f1c2d3e-aaaa-bbbb-cccc-123456789abc"
    message = f"Insufficient permissions for User {token} to read Obj X"
    raised = error(403, {"status": "error", "message": message}, context=ErrorContext(token=token))
    assert token not in raised.message and token.encode() not in raised.body
    assert token not in repr(raised) and token not in str(raised) and "<token>" in raised.message


def test_a_403_on_an_object_says_it_may_not_exist_or_be_hidden():
    raised = error(403, {"status": "error", "version": "1.4.0",
                         "message": "Insufficient permissions for User <token> to read Obj ZTF21nope"})
    assert "Object ZTF21nope does not exist on this server, or none of the token's groups can see it" in str(raised)


def test_a_401_says_where_the_token_came_from():
    context = ErrorContext(host="https://fritz.science", token="t", token_source="$SKYPORTAL_TOKEN")
    raised = error(401, {"status": "error", "message": "HTTP 401: Unauthorized", "version": "1.4.0"}, context=context)
    assert "SkyPortal did not accept the token (it came from $SKYPORTAL_TOKEN)" in str(raised)
    assert "profile page (https://fritz.science/profile)" in str(raised)


def test_an_answer_that_may_have_landed_says_so_and_what_to_do():
    context = ErrorContext(if_unknown="re-send with PUT")
    raised = error(502, b"<html><title>502 Bad Gateway</title></html>", method="POST", context=context,
                   outcome=Outcome.UNKNOWN, content_type="text/html")
    assert raised.may_have_reached_server
    assert str(raised).endswith("502 Bad Gateway. It may have landed: re-send with PUT")


def test_client_side_errors_are_value_and_type_errors():
    assert issubclass(skyportal_client.ApiValueError, ValueError)
    assert issubclass(skyportal_client.ApiTypeError, TypeError)
    assert not issubclass(skyportal_client.ApiValueError, skyportal_client.ApiException)


def test_a_value_too_short_to_be_a_token_is_not_taken_out_of_messages():
    raised = error(400, {"status": "error", "message": "Invalid input format", "version": "1.4.0"},
                   context=ErrorContext(token="t"))
    assert raised.message == "Invalid input format"
