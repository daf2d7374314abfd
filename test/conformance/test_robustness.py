"""Bad input never crashes the server or leaves partial rows; concurrent
uploads lose and duplicate nothing."""

import json
import threading

import pytest
import urllib3
from plain_http import assert_error

from skyportal_client.testing import SkyPortalTestServer

BAD_BODIES = [
    "not json at all",
    "[1, 2, 3]",
    '"a string"',
    "{" * 5000,
    '{"obj_id": ',
]


def _bad_uploads(uploads):
    return [
        uploads.mag_body(mjd=["a", "b", "c"]),
        uploads.mag_body(instrument_id="one"),
        uploads.mag_body(obj_id=5),
        uploads.mag_body(obj_id=[uploads.setup.obj_id, None, uploads.setup.obj_id]),
        uploads.mag_body(mag={"nested": 1}),
        uploads.mag_body(filter=[["ztfg"], "ztfg", "ztfg"]),
        uploads.mag_body(filter="not-a-band"),
        uploads.mag_body(magsys="bogus"),
        uploads.mag_body(magsys=None),
        uploads.mag_body(group_ids=5),
        uploads.mag_body(group_ids=[[1]]),
        uploads.mag_body(stream_ids="all"),
        uploads.mag_body(altdata=[{"a": 1}]),
        uploads.mag_body(altdata={"a": [1, 2]}),
        uploads.mag_body(mag=[19.1, None, None], magerr=[0.05, 0.1, None]),
        uploads.mag_body(instrument_id=10 ** 30),
        uploads.body(mjd=[59400.0, 59401.0], flux=[1.0, 2.0], fluxerr=[1.0, None], zp=23.9),
        uploads.body(mjd=59400.0, flux=1.0, fluxerr=1.0, zp="high"),
        uploads.body(mjd=59400.0, flux=1.0, fluxerr=1.0),
        {},
    ]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_malformed_bodies_are_answered_and_write_nothing(api, uploads, method):
    """observed-exchanges-2 row test_robustness.py::test_malformed_bodies_are_answered_and_write_nothing:
    malformed JSON and malformed uploads get a JSON error (400 or 500), never
    a crash, and write no rows (instrument_id true is not among them: it is
    coerced, see test_boolean_instrument_id_is_coerced_to_1)."""
    for raw in BAD_BODIES:
        assert_error(api.call(method, "/api/photometry", raw=raw), 500)
    for body in _bad_uploads(uploads):
        reply = api.call(method, "/api/photometry", body)
        assert reply.status in (400, 500), (body, reply)
        assert_error(reply, reply.status)
    assert uploads.points() == []
    assert len(uploads.post(uploads.mag_body())["ids"]) == 3  # still serving


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_boolean_instrument_id_is_coerced_to_1(api, uploads, method):
    """observed-exchanges-2 row test_robustness.py::test_malformed_bodies_are_answered_and_write_nothing
    [POST] and [PUT]: instrument_id true is 200 and the three points are
    stored on instrument 1 (pandas and marshmallow coerce it)."""
    instrument = api.call("GET", "/api/instrument/1")
    reply = api.call(method, "/api/photometry", uploads.mag_body(instrument_id=True))
    if instrument.status != 200:
        assert_error(reply, 400, "Invalid instrument ID: True")
        return
    if instrument.data["type"] == "imager" and "ztfg" not in instrument.data["filters"]:
        assert_error(reply, 400)
        assert reply.message.endswith("has no filter ztfg.\n")
        return
    assert reply.status == 200, reply
    points = uploads.points()
    assert [point["id"] for point in points] == reply.data["ids"]
    assert {point["instrument_id"] for point in points} == {1}
    for point_id in reply.data["ids"]:  # leave no points on an instrument the suite does not own
        api.ok("DELETE", f"/api/photometry/{point_id}")


def test_malformed_patch_leaves_the_point_unchanged(api, uploads, setup):
    """PATCH with wrong types, unknown keys or bad JSON -> error, point unchanged."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    before = api.ok("GET", f"/api/photometry/{point_id}")
    complete = {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "mjd": 59400.1,
                "mag": 18.0, "magerr": 0.1, "filter": "ztfg", "magsys": "ab"}
    bodies = [{**complete, "colour": "red"}, {**complete, "mjd": "soon"}, {**complete, "filter": 3},
              {**complete, "magsys": "bogus"}, {**complete, "obj_id": "NOPE_NOT_EXIST"},
              {**complete, "group_ids": [99999999]}, {**complete, "mag": 18.0, "flux": 3.0}]
    for body in bodies:
        reply = api.call("PATCH", f"/api/photometry/{point_id}", body)
        assert reply.status in (400, 500), (body, reply)
    assert_error(api.call("PATCH", f"/api/photometry/{point_id}", raw="{nope"), 500)
    assert api.ok("GET", f"/api/photometry/{point_id}") == before


@pytest.mark.parametrize("path", [
    "/api/photometry/../photometry/1",
    "/api/photometry/%2e%2e/1",
    "/api/sources/a%2Fb/photometry",
    "/api/sources/ZTF%2B1/photometry",
    "/api/sources/../../etc/photometry",
])
def test_dot_dot_and_encoded_slash_paths(api, path):
    """skyportal-photometry-api §1.1: routes match the raw path, so these fall
    through to the catch-all: GET 400 Invalid API endpoint, others 405."""
    assert_error(api.call_raw_path("GET", path, body=None), 400, "Invalid API endpoint")
    for method in ("POST", "PATCH", "DELETE"):
        assert_error(api.call_raw_path(method, path), 405, "HTTP 405: Method Not Allowed")


def test_dot_dot_in_upload_id_is_just_an_unknown_upload(api):
    """skyportal-photometry-api §1.1: bulk_delete/(.*) takes any string."""
    reply = api.call_raw_path("DELETE", "/api/photometry/bulk_delete/..%2F..%2Fphotometry", body=None)
    assert_error(reply, 400, "Invalid bulk upload id.")


def test_oversized_body_gets_nginx_413(embedded_only):
    """skyportal-photometry-api §7(b): a body over the limit (100 MB by default,
    small here) -> nginx's HTML 413; nothing written; the server keeps serving."""
    with SkyPortalTestServer(max_body_size=64 * 1024) as server:
        http = urllib3.PoolManager(retries=False)
        headers = {"Authorization": f"token {server.token}", "Content-Type": "application/json"}
        big = json.dumps({"obj_id": "x", "padding": "y" * 100_000})
        reply = http.request("POST", server.url + "/api/photometry", body=big, headers=headers)
        assert reply.status == 413
        assert reply.headers["Content-Type"] == "text/html"
        assert b"<center><h1>413 Request Entity Too Large</h1></center>" in reply.data
        assert server.photometry_count() == 0
        reply = http.request("GET", server.url + "/api/photometry/1", headers=headers)
        assert reply.status == 400


def _run_in_threads(count, work):
    results, errors = [None] * count, []
    barrier = threading.Barrier(count)

    def run(index):
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_concurrent_posts_lose_and_duplicate_nothing(api, uploads):
    """8 threads POSTing at once: every call succeeds, every row is stored once."""
    def upload(thread):
        ids = []
        for batch in range(5):
            mjds = [59000.0 + thread * 100 + batch * 10 + row / 100 for row in range(20)]
            ids += uploads.post(uploads.body(mjd=mjds, mag=19.0, magerr=0.1))["ids"]
        return ids

    returned = [point_id for ids in _run_in_threads(8, upload) for point_id in ids]
    stored = [point["id"] for point in uploads.points()]
    assert len(returned) == len(set(returned)) == 800
    assert sorted(stored) == sorted(returned)


def test_concurrent_identical_puts_store_each_row_once(api, uploads):
    """8 threads PUTting the same rows at once: all get the same ids, one row each."""
    body = uploads.body(mjd=[59300.0 + row for row in range(30)], mag=19.0, magerr=0.1)
    results = _run_in_threads(8, lambda thread: api.ok("PUT", "/api/photometry", body)["ids"])
    assert all(ids == results[0] for ids in results)
    assert sorted(point["id"] for point in uploads.points()) == sorted(results[0])
