"""observed-exchanges: "General envelope and headers" and "Authentication"."""

import json

import pytest
from plain_http import assert_error

MALFORMED = 'HTTP 401: Unauthorized (Credentials malformed; expected form "Authorization: token abc123")'


def test_success_envelope_is_pretty_json_without_charset(api, uploads):
    """observed-exchanges "General envelope": success is 200, application/json
    with no charset, indent-2 JSON with status, data and version."""
    reply = api.call("POST", "/api/photometry", uploads.mag_body())
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.raw.decode() == json.dumps(reply.json, indent=2)
    assert set(reply.json) == {"status", "data", "version"}
    assert reply.json["status"] == "success" and reply.json["version"] == "1.4.0"


def test_get_responses_carry_an_etag(api, uploads):
    """observed-exchanges "General envelope": GET responses carry an Etag."""
    uploads.post(uploads.mag_body())
    reply = api.call("GET", f"/api/sources/{uploads.setup.obj_id}/photometry")
    assert reply.status == 200
    assert reply.headers.get("Etag")


def test_error_envelope_is_compact_json_with_charset(api):
    """observed-exchanges "General envelope": errors are compact JSON with
    charset=UTF-8, status error, a message, data {} and the version."""
    reply = api.call("GET", "/api/photometry/999999")
    assert_error(reply, 400, "Cannot find photometry point with ID: 999999.")
    assert b"\n" not in reply.raw
    assert set(reply.json) == {"status", "message", "data", "version"}


def test_content_type_is_not_checked(api, uploads):
    """observed-exchanges "General envelope": a JSON body sent as text/plain is accepted."""
    reply = api.call("PUT", "/api/photometry", raw=json.dumps(uploads.mag_body()),
                     headers={"Content-Type": "text/plain"})
    assert reply.status == 200, reply
    assert len(reply.data["ids"]) == 3


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_missing_authorization_is_malformed(api, method):
    """observed-exchanges "Authentication": no Authorization header -> 401 malformed."""
    reply = api.call(method, "/api/photometry/1", token=None)
    assert_error(reply, 401, MALFORMED)
    assert "WWW-Authenticate" not in reply.headers


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_only_the_lowercase_token_prefix_is_accepted(api, scheme):
    """observed-exchanges "Authentication": Bearer and capital-T Token -> 401 malformed."""
    reply = api.call("GET", "/api/photometry/1", authorization=f"{scheme} {api.token}")
    assert_error(reply, 401, MALFORMED)


@pytest.mark.parametrize("token", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_or_malformed_token_is_unauthorized(api, token):
    """observed-exchanges "Authentication": unknown token or not-a-uuid -> 401 Unauthorized."""
    reply = api.call("GET", "/api/photometry/1", token=token)
    assert_error(reply, 401, "HTTP 401: Unauthorized")
    assert "WWW-Authenticate" not in reply.headers


def test_missing_acl_is_401(api, uploads, skyportal_server):
    """skyportal-photometry-api §1.2: an ACL failure is 401 "HTTP 401: Unauthorized"."""
    read_only = skyportal_server.create_token(acls=[])
    reply = api.call("POST", "/api/photometry", uploads.mag_body(), token=read_only)
    assert_error(reply, 401, "HTTP 401: Unauthorized")
    uploader = skyportal_server.create_token(acls=["Upload data"])
    upload_id = api.ok("POST", "/api/photometry", uploads.mag_body(group_ids=[]), token=uploader)["upload_id"]
    reply = api.call("DELETE", f"/api/photometry/bulk_delete/{upload_id}", token=uploader)
    assert_error(reply, 401, "HTTP 401: Unauthorized")
