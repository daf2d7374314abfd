"""Fault and limit modes of the embedded server (observed-exchanges "Rate
limiting": nginx 429, the status server's 503, plus 502, slowness and
dropped connections)."""

import json
import subprocess
import sys
import time

import pytest
import urllib3

from skyportal_client.testing import SkyPortalTestServer
from support import Reply

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
