"""observed-exchanges §4: PATCH /api/photometry/{id}."""

import pytest

from support import assert_error


def _full_mag_patch(setup, **fields):
    return {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "mjd": 59400.1, "mag": 19.0,
            "magerr": 0.06, "limiting_mag": 21.0, "filter": "ztfr", "magsys": "ab", **fields}


def test_complete_mag_patch(api, uploads, setup):
    """observed-exchanges §4: a complete mag-space point -> 200 data {}; GET shows the new values."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    reply = api.call("PATCH", f"/api/photometry/{point_id}", _full_mag_patch(setup))
    assert reply.status == 200 and reply.data == {}
    point = api.ok("GET", f"/api/photometry/{point_id}")
    assert (point["mag"], point["magerr"], point["filter"]) == (19.0, 0.06, "ztfr")


def test_complete_flux_patch(api, uploads, setup):
    """observed-exchanges §4: the flux form works too; flux 120, fluxerr 4 -> snr 30."""
    point_id = uploads.post(uploads.mag_body())["ids"][1]
    body = {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "mjd": 59401.2, "flux": 120.0,
            "fluxerr": 4.0, "zp": 23.9, "magsys": "ab", "filter": "ztfg"}
    assert api.ok("PATCH", f"/api/photometry/{point_id}", body) == {}
    point = api.ok("GET", f"/api/photometry/{point_id}?format=flux")
    assert (point["flux"], point["fluxerr"], point["snr"]) == (120.0, 4.0, 30.0)


@pytest.mark.parametrize("body, missing", [
    ({"mag": 18.5}, "'filter'"),
    ({"filter": "ztfg", "mag": 18.6, "magerr": 0.05, "magsys": "ab", "limiting_mag": 21.0}, "'instrument_id'"),
])
def test_partial_patch_is_a_bare_key_error(api, uploads, body, missing):
    """observed-exchanges §4: a partial PATCH -> 500 with the bare KeyError; the point is unchanged."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    before = api.ok("GET", f"/api/photometry/{point_id}")
    assert_error(api.call("PATCH", f"/api/photometry/{point_id}", body), 500, missing)
    assert api.ok("GET", f"/api/photometry/{point_id}") == before


def test_patch_missing_point(api, setup):
    """observed-exchanges §4 errors: unknown id -> 400 Cannot find."""
    reply = api.call("PATCH", "/api/photometry/999999", _full_mag_patch(setup))
    assert_error(reply, 400, "Cannot find photometry point with ID: 999999.")


def test_patch_non_numeric_id_is_405(api, setup):
    """observed-exchanges §4 errors: PATCH /api/photometry/abc -> 405."""
    assert_error(api.call("PATCH", "/api/photometry/abc", _full_mag_patch(setup)), 405,
                 "HTTP 405: Method Not Allowed")
