"""observed-exchanges §6: GET /api/photometry/range with its filters in the JSON body.

Every query names the session's own instrument and dates, so a run against a
SkyPortal holding millions of other points reads only this suite's; the
tests of an unscoped query run against the embedded server only."""

import pytest
from plain_http import assert_error

# 2021-07-05T12:00 is MJD 59400.5; 2021-07-07T12:00 is MJD 59402.5.
WINDOW = {"min_date": "2021-07-05T12:00:00", "max_date": "2021-07-07T12:00:00"}


def _ids(points, obj_id):
    """Ids of this test's points (the session shares the instrument)."""
    return {point["id"] for point in points if point["obj_id"] == obj_id}


def test_range_filters_come_from_the_body(api, uploads, setup):
    """observed-exchanges §6: instrument_ids/min_date/max_date in the body
    select points 2 and 3, in the single-GET shape with flux keys."""
    ids = uploads.post(uploads.mag_body())["ids"]
    points = api.ok("GET", "/api/photometry/range?format=flux",
                    {"instrument_ids": [setup.instrument_id], **WINDOW})
    assert _ids(points, setup.obj_id) == set(ids[1:])
    for point in points:
        assert point["annotations"] == [] and "flux" in point and "mag" not in point


def test_range_bounds_are_inclusive(api, uploads, setup):
    """skyportal-photometry-api §4.7: min_date/max_date are inclusive bounds on MJD."""
    [point_id] = uploads.post(uploads.body(mjd=59400.5, mag=19.0, magerr=0.1))["ids"]
    points = api.ok("GET", "/api/photometry/range", {"instrument_ids": [setup.instrument_id],
                                                     "min_date": "2021-07-05T12:00:00",
                                                     "max_date": "2021-07-05T12:00:00"})
    assert _ids(points, setup.obj_id) == {point_id}


def test_query_string_filters_are_ignored(api, uploads, setup):
    """observed-exchanges §6: filters in the query string are ignored: dates
    there that exclude every point change nothing (the body scopes the query)."""
    ids = uploads.post(uploads.mag_body())["ids"]
    query = "min_date=2100-01-01T00:00:00&max_date=2100-01-02T00:00:00&instrument_ids=0"
    points = api.ok("GET", f"/api/photometry/range?{query}", {"instrument_ids": [setup.instrument_id]})
    assert set(ids) == _ids(points, setup.obj_id)


@pytest.mark.parametrize("body", [None, {}])
def test_no_body_returns_everything(api, uploads, setup, body, embedded_only):
    """observed-exchanges §6: no body and {} both return every visible point
    (embedded only: on a populated server this reads every point there is)."""
    ids = uploads.post(uploads.mag_body())["ids"]
    assert set(ids) == _ids(api.ok("GET", "/api/photometry/range", body), setup.obj_id)


def test_bad_date(api, setup):
    """observed-exchanges §6: min_date not-a-date -> 400 Invalid request body."""
    reply = api.call("GET", "/api/photometry/range", {"instrument_ids": [setup.instrument_id], "min_date": "not-a-date"})
    assert_error(reply, 400, "Invalid request body: {'min_date': ['Not a valid datetime.']}")


def test_unknown_body_key(api, setup):
    """skyportal-photometry-api §4.7: unknown body keys (format here) -> 400 Invalid request body."""
    reply = api.call("GET", "/api/photometry/range", {"instrument_ids": [setup.instrument_id], "format": "flux"})
    assert_error(reply, 400)
    assert reply.message.startswith("Invalid request body: {'format'")


def test_bad_magsys(api, setup):
    """observed-exchanges §6: ?magsys=foo -> 400 Invalid mag system (checked before the body)."""
    reply = api.call("GET", "/api/photometry/range?magsys=foo", {"instrument_ids": [setup.instrument_id], **WINDOW})
    assert_error(reply, 400, "Invalid mag system.")


@pytest.mark.parametrize("output_format", ["both", "bogus"])
def test_bad_format(api, setup, output_format):
    """observed-exchanges §6: only mag and flux are allowed -> 400 Invalid output format."""
    reply = api.call("GET", f"/api/photometry/range?format={output_format}",
                     {"instrument_ids": [setup.instrument_id], **WINDOW})
    assert_error(reply, 400, "Invalid output format.")
