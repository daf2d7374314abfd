"""observed-exchanges-workflow: the Etag of GET answers and 304 Not Modified
(tornado's rules), and gzip from the nginx front (baselayer's nginx config)."""

import gzip
import json

import pytest
import urllib3
from plain_http import assert_error


@pytest.fixture
def two_points(api, uploads, setup):
    """observed-exchanges-workflow "upload for etag": two points, shared with the group."""
    return uploads.post(uploads.body(mjd=[60100.1, 60100.2], mag=[19.1, 19.2], magerr=[0.05, 0.05],
                                     limiting_mag=[21.0, 21.0], group_ids=[setup.group_id]))["ids"]


def _photometry_path(setup, query=""):
    return f"/api/sources/{setup.obj_id}/photometry{query}"


def test_upload_for_etag(api, uploads, setup):
    """observed-exchanges-workflow "upload for etag": a POST answer has ids and an upload_id, and no Etag."""
    reply = api.call("POST", "/api/photometry", uploads.body(
        mjd=[60100.1, 60100.2], mag=[19.1, 19.2], magerr=[0.05, 0.05], limiting_mag=[21.0, 21.0],
        group_ids=[setup.group_id]))
    assert reply.status == 200 and set(reply.data) == {"ids", "upload_id"} and len(reply.data["ids"]) == 2
    assert "Etag" not in reply.headers


def test_object_photometry_has_an_etag(api, setup, two_points):
    """observed-exchanges-workflow "object photometry (note the Etag)": a quoted 40-hex SHA-1 tag."""
    reply = api.call("GET", _photometry_path(setup))
    assert reply.status == 200 and [point["id"] for point in reply.data] == two_points
    etag = reply.headers["Etag"]
    assert len(etag) == 42 and etag[0] == etag[-1] == '"' and int(etag[1:-1], 16) >= 0


def test_same_etag_is_304(api, setup, two_points):
    """observed-exchanges-workflow "object photometry, If-None-Match the same
    Etag": 304, no body, the Etag repeated, no Content-Type."""
    etag = api.call("GET", _photometry_path(setup)).headers["Etag"]
    reply = api.call("GET", _photometry_path(setup), headers={"If-None-Match": etag})
    assert reply.status == 304 and reply.raw == b""
    assert reply.headers["Etag"] == etag and "Content-Type" not in reply.headers


def test_other_format_has_another_etag(api, setup, two_points):
    """observed-exchanges-workflow "object photometry, format=flux, same
    If-None-Match": another body, so 200 with another Etag."""
    etag = api.call("GET", _photometry_path(setup)).headers["Etag"]
    reply = api.call("GET", _photometry_path(setup, "?format=flux"), headers={"If-None-Match": etag})
    assert reply.status == 200 and reply.headers["Etag"] != etag
    assert "flux" in reply.data[0] and "mag" not in reply.data[0]


def test_upload_one_more_point(api, uploads):
    """observed-exchanges-workflow "upload one more point": the scalar form, no group_ids, one id."""
    data = uploads.post(uploads.body(mjd=60100.3, mag=19.3, magerr=0.05, limiting_mag=21.0))
    assert set(data) == {"ids", "upload_id"} and len(data["ids"]) == 1


def test_new_point_changes_the_etag(api, uploads, setup, two_points):
    """observed-exchanges-workflow "object photometry, old If-None-Match after
    a new point": 200, three points, a new Etag."""
    etag = api.call("GET", _photometry_path(setup)).headers["Etag"]
    uploads.post(uploads.body(mjd=60100.3, mag=19.3, magerr=0.05, limiting_mag=21.0))
    reply = api.call("GET", _photometry_path(setup), headers={"If-None-Match": etag})
    assert reply.status == 200 and len(reply.data) == 3 and reply.headers["Etag"] != etag


def test_if_none_match_follows_tornado(api, setup, two_points):
    """tornado's check_etag_header: weak tags compare weakly, any tag of a
    list may match, "*" matches; another tag gets the full answer."""
    etag = api.call("GET", _photometry_path(setup)).headers["Etag"]
    for header in (f"W/{etag}", f'"0000", {etag}', "*"):
        assert api.call("GET", _photometry_path(setup), headers={"If-None-Match": header}).status == 304, header
    assert api.call("GET", _photometry_path(setup), headers={"If-None-Match": '"0000"'}).status == 200


def test_only_successful_gets_carry_an_etag(api, setup, two_points):
    """tornado sets an Etag on 200 answers to GET and HEAD only: none on
    errors, none on POST answers; HEAD gets one too."""
    reply = api.call("GET", "/api/photometry/0")
    assert_error(reply, 400)
    assert "Etag" not in reply.headers
    reply = api.call("GET", "/api/photometry/0", headers={"If-None-Match": "*"})
    assert reply.status == 400  # "*" matches only an answer that has an Etag
    assert api.call("HEAD", f"/api/sources/{setup.obj_id}").headers["Etag"]


@pytest.fixture
def gzip_front(api, skyportal):
    """The server under test has SkyPortal's nginx in front (the embedded one
    plays it); the tornado app alone never compresses."""
    reply = api.call("GET", "/api/sysinfo")
    if not skyportal.embedded and reply.headers.get("Server", "").split("/")[0] != "nginx":
        pytest.skip("the server under test answers without SkyPortal's nginx front")


def _raw(api, path, headers, method="GET"):
    """An answer with its body as sent (urllib3 leaves the encoding alone)."""
    http = urllib3.PoolManager(retries=False)
    response = http.request(method, api.url + path, headers={"Authorization": f"token {api.token}", **headers},
                            decode_content=False, preload_content=True)
    return response


def test_large_json_is_gzipped(api, setup, two_points, gzip_front):
    """baselayer's nginx config: gzip on for application/json answers of at
    least 1000 bytes when the client accepts gzip; the Etag becomes weak."""
    plain = api.call("GET", _photometry_path(setup))
    assert len(plain.raw) >= 1000
    response = _raw(api, _photometry_path(setup), {"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in response.headers
    assert json.loads(gzip.decompress(response.data)) == plain.json
    assert response.headers["Etag"] == f"W/{plain.headers['Etag']}"
    reply = api.call("GET", _photometry_path(setup), headers={"If-None-Match": response.headers["Etag"]})
    assert reply.status == 304


def test_what_is_not_gzipped(api, uploads, setup, two_points, gzip_front):
    """nginx leaves alone: a client that does not accept gzip (or q=0),
    bodies under 1000 bytes, statuses other than 200/403/404, HEAD."""
    path = _photometry_path(setup)
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        assert "Content-Encoding" not in _raw(api, path, headers).headers, headers
    small = _raw(api, "/api/instrument?name=no-such-instrument-x", {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and int(small.headers["Content-Length"]) < 1000
    unknown = "NOPE" + "x" * 1000
    long_error = urllib3.PoolManager(retries=False).request(
        "POST", api.url + "/api/photometry", body=json.dumps(uploads.body(obj_id=unknown, mjd=60000.0, mag=19.0,
                                                                          magerr=0.1)),
        headers={"Authorization": f"token {api.token}", "Accept-Encoding": "gzip"}, decode_content=False)
    assert long_error.status == 400 and len(long_error.data) > 1000
    assert "Content-Encoding" not in long_error.headers
    head = _raw(api, f"/api/sources/{setup.obj_id}", {"Accept-Encoding": "gzip"}, method="HEAD")
    assert "Content-Encoding" not in head.headers


def test_gzip_of_a_403(api, gzip_front):
    """nginx compresses 403 answers too, when long enough (a 403 names a token: here a long one)."""
    missing = "NOPE" + "x" * 1000
    response = _raw(api, f"/api/sources/{missing}/photometry", {"Accept-Encoding": "gzip"})
    assert response.status == 403 and response.headers["Content-Encoding"] == "gzip"
    assert missing in gzip.decompress(response.data).decode()


def test_the_request_log_counts_the_body_bytes_sent(api, setup, two_points, skyportal_server):
    """server.requests: the body bytes of each answer as they went out: all of a plain
    answer, the compressed ones of a gzipped answer, none for a 304 or a HEAD."""
    path = _photometry_path(setup)
    skyportal_server.clear_requests()
    plain = api.call("GET", path)
    gzipped = _raw(api, path, {"Accept-Encoding": "gzip"})
    not_modified = api.call("GET", path, headers={"If-None-Match": plain.headers["Etag"]})
    head = api.call("HEAD", f"/api/sources/{setup.obj_id}")
    assert not_modified.status == 304 and head.status == 200
    assert [(record.status, record.body_bytes) for record in skyportal_server.requests] == [
        (200, len(plain.raw)), (200, len(gzipped.data)), (304, 0), (200, 0)]
    assert len(gzipped.data) < len(plain.raw)
