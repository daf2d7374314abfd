"""Fault and limit modes of the embedded server (observed-exchanges "Rate
limiting": nginx 429, the status server's 503, plus gateway errors before
and after the app, resets, odd 200s, cut and trickled answers, slowness and
dropped connections), and the points x groups limit of observed-exchanges-2.

The fault tests need the embedded server and skip against a real one; the
limit tests run against both."""

import json
import socket
import subprocess
import sys
import time

import pytest
import urllib3
from plain_http import Reply, assert_error

from skyportal_client.testing import SkyPortalTestServer
from skyportal_client.testing.provision import unique_name

NGINX_429 = (b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
             b"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n"
             b"</body>\r\n</html>\r\n")


def test_status_503_for_the_next_requests(api, skyportal_server):
    """observed-exchanges "Rate limiting": 503 JSON "System provisioning" with
    Cache-Control no-store, no-cache and no version, for the next N requests."""
    skyportal_server.inject_fault("status-503", count=2)
    for _ in range(2):
        reply = api.call("GET", "/api/photometry/999999")
        assert reply.status == 503
        assert reply.json == {"status": "error", "message": "System provisioning"}
        assert reply.headers["Content-Type"] == "application/json; charset=UTF-8"
        assert reply.headers["Cache-Control"] == "no-store, no-cache"
    assert api.call("GET", "/api/photometry/999999").status == 400


def test_status_502_is_nginx_html(api, skyportal_server):
    """skyportal-photometry-api §1.3: nginx gateway errors are HTML, not JSON."""
    skyportal_server.inject_fault("status-502")
    reply = api.call("GET", "/api/photometry/999999")
    assert reply.status == 502 and reply.json is None
    assert reply.headers["Content-Type"] == "text/html"
    assert reply.headers["Server"] == "nginx/1.22.1"
    assert b"<center><h1>502 Bad Gateway</h1></center>" in reply.raw


def test_injected_429_is_the_observed_page(api, skyportal_server):
    """observed-exchanges "Rate limiting": nginx's HTML 429, 169 bytes, no Retry-After."""
    skyportal_server.inject_fault("status-429")
    reply = api.call("GET", "/api/photometry/999999")
    assert reply.status == 429 and reply.raw == NGINX_429
    assert reply.headers["Content-Length"] == "169"
    assert "Retry-After" not in reply.headers


def test_drop_before_processing_writes_nothing(api, uploads, skyportal_server):
    """drop-before: the connection closes without an answer and nothing is stored."""
    skyportal_server.clear_requests()
    skyportal_server.inject_fault("drop-before")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call("POST", "/api/photometry", uploads.mag_body())
    assert uploads.points() == []
    assert skyportal_server.requests[0] == ("POST", "/api/photometry", None, 0)


def test_drop_after_commit_loses_only_the_answer(api, uploads, skyportal_server):
    """drop-after: the upload is committed but the answer is lost; a retried
    POST is then a duplicate while a PUT recovers the ids."""
    skyportal_server.inject_fault("drop-after", methods=["POST"])
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call("POST", "/api/photometry", uploads.mag_body())
    stored = [point["id"] for point in uploads.points()]
    assert len(stored) == 3
    assert api.call("POST", "/api/photometry", uploads.mag_body()).status == 400
    assert api.ok("PUT", "/api/photometry", uploads.mag_body())["ids"] == stored


def test_faults_only_hit_the_given_methods(api, uploads, skyportal_server):
    """methods=[...] limits a fault to those methods; other requests pass untouched."""
    skyportal_server.inject_fault("status-503", methods=["PUT"])
    assert api.call("GET", "/api/photometry/999999").status == 400
    assert api.call("POST", "/api/photometry", uploads.mag_body()).status == 200
    assert api.call("PUT", "/api/photometry", uploads.mag_body()).status == 503
    assert api.call("PUT", "/api/photometry", uploads.mag_body()).status == 200


def test_slow_answers(api, skyportal_server):
    """slow: the answer comes after the delay, so a shorter client timeout fires."""
    skyportal_server.inject_fault("slow", count=2, delay=0.3)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        api.call("GET", "/api/photometry/999999", timeout=0.1)
    started = time.monotonic()
    assert api.call("GET", "/api/photometry/999999").status == 400
    assert time.monotonic() - started >= 0.3


def test_clear_faults(api, skyportal_server):
    """clear_faults drops every pending fault."""
    skyportal_server.inject_fault("status-502", count=5)
    skyportal_server.clear_faults()
    assert api.call("GET", "/api/photometry/999999").status == 400


def test_requests_log_counts_attempts(api, skyportal_server):
    """server.requests records (method, path, status, body bytes) of every request in order."""
    skyportal_server.clear_requests()
    skyportal_server.inject_fault("status-503")
    first = api.call("GET", "/api/photometry/1?format=flux")
    second = api.call("DELETE", "/api/photometry/999999")
    assert skyportal_server.requests == [("GET", "/api/photometry/1?format=flux", 503, len(first.raw)),
                                         ("DELETE", "/api/photometry/999999", 400, len(second.raw))]


def test_unknown_fault_kind_is_refused(skyportal_server):
    """inject_fault accepts only the documented kinds."""
    with pytest.raises(ValueError):
        skyportal_server.inject_fault("status-418")


def _burst(api, count, **call_options):
    """``count`` back-to-back requests on one keep-alive connection: well
    within the 200 ms in which a 5 r/s bucket frees one slot."""
    replies = [api.call("GET", "/api/photometry/range", {"min_date": "2100-01-01"}, **call_options)
               for _ in range(count)]
    return [reply.status for reply in replies], replies


def test_rate_limit_burst(api, skyportal_server):
    """observed-exchanges "Rate limiting": a burst of 30 requests on one token
    gives 11 x 200, then 19 x nginx 429."""
    skyportal_server.set_rate_limit(rate=5.0, burst=10)
    statuses, replies = _burst(api, 30)
    assert statuses == [200] * 11 + [429] * 19
    assert all(reply.raw == NGINX_429 for reply in replies if reply.status == 429)


def test_rate_limit_is_per_authorization_value(api, skyportal_server):
    """observed-exchanges "Rate limiting": no Authorization header is never
    limited; each header value has its own bucket."""
    skyportal_server.set_rate_limit(rate=5.0, burst=10)
    statuses, _ = _burst(api, 30, token=None)
    assert statuses == [401] * 30
    statuses, _ = _burst(api, 12, token="00000000-0000-0000-0000-000000000000")
    assert statuses == [401] * 11 + [429]
    statuses, _ = _burst(api, 11)
    assert statuses == [200] * 11


def test_rate_limit_off_by_default(api, skyportal_server):
    """observed-exchanges "Rate limiting": the tornado app itself has no rate limiting."""
    statuses, _ = _burst(api, 30)
    assert statuses == [200] * 30


def test_restart_on_the_same_file_and_port(tmp_path, embedded_only):
    """db_path and port let a server stop and come back with its data and token."""
    db_path = str(tmp_path / "skyportal.sqlite")
    http = urllib3.PoolManager(retries=False)
    with SkyPortalTestServer(db_path=db_path) as first:
        port, token = first.port, first.token
        headers = {"Authorization": f"token {token}"}
        reply = Reply(http.request("GET", f"{first.url}/api/photometry/1", headers=headers))
        assert reply.status == 400
    with SkyPortalTestServer(db_path=db_path, port=port) as second:
        assert (second.port, second.token) == (port, token)
        group = Reply(http.request("POST", f"{second.url}/api/groups", headers=headers,
                                   body=json.dumps({"name": "after-restart"})))
        assert group.status == 200 and isinstance(group.data["id"], int)


def test_command_line_prints_url_and_token(embedded_only):
    """python -m skyportal_client.testing prints the URL and token, then serves."""
    process = subprocess.Popen([sys.executable, "-m", "skyportal_client.testing", "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip().removeprefix("SKYPORTAL_URL=")
        token = process.stdout.readline().strip().removeprefix("SKYPORTAL_TOKEN=")
        assert url.startswith("http://127.0.0.1:")
        reply = Reply(urllib3.PoolManager(retries=False).request(
            "GET", f"{url}/api/photometry", headers={"Authorization": f"token {token}"}))
        assert reply.status == 400 and reply.message == "Missing required photometry_id."
    finally:
        process.terminate()
        process.wait(timeout=10)


def _raw_exchange(url, request):
    """Send raw request bytes; (bytes received until the server closed, the
    error that ended the read or None)."""
    host, port = url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return received, None
                received += chunk
        except OSError as exc:
            return received, exc


def _post_request(api, body):
    payload = json.dumps(body).encode()
    return (b"POST /api/photometry HTTP/1.1\r\nHost: test\r\nAuthorization: token " + api.token.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(payload)).encode()
            + b"\r\n\r\n" + payload)


@pytest.mark.parametrize("kind, status, reason", [("status-504", 504, "Gateway Time-out"),
                                                  ("status-413", 413, "Request Entity Too Large")])
def test_nginx_pages_before_the_app(api, uploads, skyportal_server, kind, status, reason):
    """status-504 / status-413: nginx's HTML page for that status; the app never sees the request."""
    skyportal_server.inject_fault(kind, methods=["POST"])
    reply = api.call("POST", "/api/photometry", uploads.mag_body())
    assert reply.status == status and reply.json is None
    assert reply.headers["Content-Type"] == "text/html" and reply.headers["Server"] == "nginx/1.22.1"
    assert f"<center><h1>{status} {reason}</h1></center>".encode() in reply.raw
    if status == 413:
        assert reply.headers["Connection"] == "close"
    assert uploads.points() == []


@pytest.mark.parametrize("kind, stored", [("reset-before", 0), ("reset-after", 3)])
def test_reset_is_a_tcp_rst(api, uploads, skyportal_server, kind, stored):
    """reset-before / reset-after: the connection is reset (RST, not FIN) with
    no byte of an answer; after processes and commits the upload first."""
    skyportal_server.clear_requests()
    skyportal_server.inject_fault(kind, methods=["POST"])
    received, error = _raw_exchange(api.url, _post_request(api, uploads.mag_body()))
    assert received == b"" and isinstance(error, ConnectionResetError)
    assert len(uploads.points()) == stored
    assert skyportal_server.requests[0] == ("POST", "/api/photometry", None, 0)


def test_reset_is_seen_by_urllib3(api, uploads, skyportal_server):
    """reset-before through urllib3: a ProtocolError, nothing stored."""
    skyportal_server.inject_fault("reset-before")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call("POST", "/api/photometry", uploads.mag_body())
    assert uploads.points() == []


def test_non_envelope_200(api, uploads, skyportal_server):
    """non-envelope-200: a 200 JSON answer that is not SkyPortal's envelope; nothing processed."""
    skyportal_server.inject_fault("non-envelope-200", methods=["POST"])
    reply = api.call("POST", "/api/photometry", uploads.mag_body())
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.json == {"message": "ok"}
    assert uploads.points() == []


def test_html_200(api, uploads, skyportal_server):
    """html-200: a 200 text/html page (a captive portal's); nothing processed."""
    skyportal_server.inject_fault("html-200")
    reply = api.call("DELETE", "/api/photometry/999999")
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/html"
    assert reply.raw.startswith(b"<!DOCTYPE html>") and reply.json is None


def test_echo_200_repeats_the_request_headers(api, uploads, skyportal_server):
    """echo-200: a 200 text/plain page echoing the request line and every
    header, the token included, as a proxy's debug page does; nothing processed."""
    skyportal_server.inject_fault("echo-200", methods=["POST"])
    reply = api.call("POST", "/api/photometry", uploads.mag_body())
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/plain"
    lines = reply.raw.decode().splitlines()
    assert lines[0] == "POST /api/photometry HTTP/1.1"
    assert f"Authorization: token {api.token}" in lines and "Content-Type: application/json" in lines
    assert uploads.points() == []


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_after_the_app_committed(api, uploads, skyportal_server, status):
    """status-50x-after: the upload is processed and committed, then nginx's HTML page replaces the answer."""
    skyportal_server.inject_fault(f"status-{status}-after", methods=["POST"])
    reply = api.call("POST", "/api/photometry", uploads.mag_body())
    assert reply.status == status and reply.headers["Content-Type"] == "text/html" and reply.json is None
    assert reply.headers["Server"] == "nginx/1.22.1"
    assert len(uploads.points()) == 3


def test_corrupt_200_is_a_complete_but_invalid_json_body(api, uploads, skyportal_server):
    """corrupt-200: the app's status and headers, half its body, a Content-Length
    that matches the cut; the upload was committed."""
    expected = len(json.dumps({"status": "success", "data": {"ids": [1, 2, 3], "upload_id": "x" * 36},
                               "version": "1.4.0"}, indent=2))
    skyportal_server.inject_fault("corrupt-200", methods=["POST"])
    reply = api.call("POST", "/api/photometry", uploads.mag_body())
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    assert int(reply.headers["Content-Length"]) == len(reply.raw) < expected
    assert reply.json is None and reply.raw.startswith(b'{\n  "status": "success"')
    assert len(uploads.points()) == 3


def test_truncated_without_length(api, uploads, skyportal_server):
    """truncated-no-length: no Content-Length, Connection: close, half the body, then the close."""
    skyportal_server.inject_fault("truncated-no-length", methods=["POST"])
    received, error = _raw_exchange(api.url, _post_request(api, uploads.mag_body()))
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and error is None
    assert b"Content-Length" not in head and b"Connection: close" in head
    assert body.startswith(b'{\n  "status": "success"') and json_fails(body)
    assert len(uploads.points()) == 3


def test_truncated_short_of_its_length(api, uploads, skyportal_server):
    """truncated-short: the whole body's Content-Length, half of it sent, then
    the close: urllib3 reports the incomplete read; the upload was committed."""
    skyportal_server.inject_fault("truncated-short", methods=["POST"])
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call("POST", "/api/photometry", uploads.mag_body())
    assert len(uploads.points()) == 3


def test_trickle_sends_the_whole_answer_slowly(api, skyportal_server):
    """trickle: the app's whole answer, its body one byte every ``delay``
    seconds: complete in the end, yet a read timeout shorter than the delay fires."""
    skyportal_server.inject_fault("trickle", count=2, delay=0.002)
    reply = api.call("GET", "/api/photometry/999999")
    assert reply.status == 400 and reply.message == "Cannot find photometry point with ID: 999999."
    skyportal_server.clear_faults()
    skyportal_server.inject_fault("trickle", delay=0.5)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        api.call("GET", "/api/photometry/999999", timeout=0.1)


def test_spoiled_answers_are_never_gzipped(api, uploads, skyportal_server):
    """A spoiled answer keeps the app's identity body, even for a client that accepts gzip."""
    uploads.post(uploads.mag_body(mjd=[59400.0 + index for index in range(3)]))
    skyportal_server.inject_fault("corrupt-200", methods=["GET"])
    reply = api.call("GET", f"/api/sources/{uploads.setup.obj_id}/photometry", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in reply.headers and reply.raw.startswith(b'{\n  "status": "success"')


def test_delayed_kinds_need_a_delay(skyportal_server):
    """slow and trickle need delay > 0."""
    for kind in ("slow", "trickle"):
        with pytest.raises(ValueError):
            skyportal_server.inject_fault(kind)


def json_fails(body):
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


# -- observed-exchanges-2 "A limit the fact sheet does not have: points x groups per request" --

PARAMETER_LIMIT = "sending query and params failed: number of parameters must be between 0 and 65535"


@pytest.fixture
def second_group(api):
    return api.ok("POST", "/api/groups", {"name": unique_name("limit-group")})["id"]


def _many_points(uploads, count, group_ids):
    body = uploads.body(mjd=[50000.0 + index / 1000 for index in range(count)], mag=19.0, magerr=0.1)
    if group_ids is not None:
        body["group_ids"] = group_ids
    return body


def _assert_limit_error(reply, method):
    """A 400 whose message is the traceback SkyPortal sends, ending with the recorded error lines."""
    assert_error(reply, 400)
    message = reply.message
    assert message.startswith("Traceback (most recent call last):\n")
    assert f"\npsycopg.OperationalError: {PARAMETER_LIMIT}\n" in message
    assert f"\nsqlalchemy.exc.OperationalError: (psycopg.OperationalError) {PARAMETER_LIMIT}\n" in message
    assert "\n[SQL: INSERT INTO group_photometry (group_id, photometr_id, modified, created_at) VALUES " in message
    assert message.endswith("\n(Background on this error at: https://sqlalche.me/e/20/e3q8)\n")
    assert f", in {method}\n" in message


def _accepted_then_removed(api, uploads, reply, count):
    assert reply.status == 200, reply
    assert len(reply.data["ids"]) == count and len(uploads.points()) == count
    if "upload_id" in reply.data:  # leave a real server as it was
        api.ok("DELETE", f"/api/photometry/bulk_delete/{reply.data['upload_id']}")


@pytest.mark.parametrize("count, extra_groups, accepted", [(8191, 1, True), (8192, 1, False), (10000, 1, False),
                                                           (5461, 2, True), (5462, 2, False)])
def test_points_times_groups_limit(api, uploads, setup, second_group, count, extra_groups, accepted):
    """observed-exchanges-2 points x groups rows "8 191 | [4] | 2 | 200", "8 192 | [4] | 2 | 400",
    "10 000 | [4] | 2 | 400", "5 461 | [2, 4] | 3 | 200", "5 462 | [2, 4] | 3 | 400": a POST
    of N points into G groups (with the uploader's single-user group) fails
    when 4 x N x G > 65 535, and then stores nothing."""
    group_ids = [setup.group_id, second_group][:extra_groups]
    reply = api.call("POST", "/api/photometry", _many_points(uploads, count, group_ids), timeout=300)
    if accepted:
        _accepted_then_removed(api, uploads, reply, count)
    else:
        _assert_limit_error(reply, "post")
        assert uploads.points() == []


def test_points_without_groups_fit(api, uploads):
    """observed-exchanges-2 points x groups row "10 000 | none | 1 | 200": the single-user group alone."""
    reply = api.call("POST", "/api/photometry", _many_points(uploads, 10000, None), timeout=300)
    _accepted_then_removed(api, uploads, reply, 10000)


def test_all_groups_counts_the_public_group(api, uploads):
    """observed-exchanges-2 points x groups row "10 000 | "all" | ... | 400": "all" is the public
    group, so 10 000 points go into two groups: over the limit."""
    reply = api.call("POST", "/api/photometry", _many_points(uploads, 10000, "all"), timeout=300)
    _assert_limit_error(reply, "post")
    assert uploads.points() == []


def test_repeated_and_single_user_group_ids_count_once(api, uploads, setup):
    """get_group_ids: the requested ids are a set, and the single-user group
    is added only when missing: [g, g, own] is still two groups, 8 191 points fit."""
    own = next(group["id"] for group in api.ok("GET", "/api/groups")["user_groups"] if group["single_user_group"])
    body = _many_points(uploads, 8191, [setup.group_id, setup.group_id, own])
    _accepted_then_removed(api, uploads, api.call("POST", "/api/photometry", body, timeout=300), 8191)


def test_the_limit_holds_for_put(api, uploads, setup):
    """observed-exchanges-2 points x groups: a PUT of 8 192 new points into one group is refused
    the same way, and stores nothing."""
    reply = api.call("PUT", "/api/photometry", _many_points(uploads, 8192, [setup.group_id]), timeout=300)
    _assert_limit_error(reply, "put")
    assert uploads.points() == []


def test_sqlite_statements_need_nothing_newer_than_3_31(api, uploads, skyportal_server):
    """The embedded server runs on SQLite 3.31 (Ubuntu 20.04's): none of the
    statements a photometry workflow makes uses RETURNING (3.35) or a
    newer construct (the store's connection is traced for the check)."""
    statements = []
    connection = skyportal_server._store._db
    connection.set_trace_callback(statements.append)
    try:
        point_id = uploads.post(uploads.mag_body())["ids"][0]
        api.ok("PUT", "/api/photometry", uploads.mag_body())
        api.ok("GET", f"/api/photometry/{point_id}?format=both")
        api.ok("GET", "/api/photometry/range", {"instrument_ids": [uploads.setup.instrument_id]})
        api.ok("GET", f"/api/sources?sourceID={uploads.setup.obj_id}")
        api.ok("DELETE", f"/api/photometry/{point_id}")
    finally:
        connection.set_trace_callback(None)
    assert statements
    for statement in statements:
        upper = statement.upper()
        assert " RETURNING " not in upper and "->>" not in upper and " STRICT" not in upper, statement
