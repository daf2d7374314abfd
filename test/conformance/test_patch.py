"""observed-exchanges §4: PATCH /api/photometry/{id}."""

import pytest
from plain_http import assert_error


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


def _mag_part(message):
    """What PhotometryMag said, the second half of a PATCH's "Invalid input format" message."""
    assert message.startswith("Invalid input format: Tried to parse {") and " as PhotometryFlux, got: " in message
    marker = " as PhotometryMag, got: \""
    assert marker in message and message.endswith('."'), message
    return message[message.index(marker) + len(marker):-2]


@pytest.mark.parametrize("field, value, mag_errors", [
    ("magerr", True, "{'magerr': ['Not a valid number.']}"),
    ("mjd", "soon", "{'mjd': ['Not a valid number.']}"),
    ("mag", [19.0], "{'mag': ['Not a valid number.']}"),
    ("magsys", "AB", "{'magsys': ['Must be one of: jla1, ab, vega, bd17, csp, ab-b12.']}"),
    ("filter", "sdssu", "{'_schema': ['Instrument {instrument} has no filter sdssu.']}"),
    ("obj_id", "NOPE_NOT_EXIST", "{'_schema': ['Invalid object ID: NOPE_NOT_EXIST']}"),
])
def test_patch_refusals_name_both_schemas(api, uploads, setup, field, value, mag_errors):
    """PhotometryHandler.patch: a body both PhotometryFlux and PhotometryMag
    refuse -> 400 naming both schemas' errors (typed fields, enums by exact
    name, the hooks' checks as _schema); the point is unchanged."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    before = api.ok("GET", f"/api/photometry/{point_id}")
    reply = api.call("PATCH", f"/api/photometry/{point_id}", _full_mag_patch(setup, **{field: value}))
    assert_error(reply, 400)
    assert _mag_part(reply.message) == mag_errors.replace("{instrument}", setup.instrument_name)
    assert api.ok("GET", f"/api/photometry/{point_id}") == before


def test_patch_accepts_a_zero_flux_error(api, uploads, setup):
    """PhotometryFlux does not check fluxerr (only ref_fluxerr): a PATCH with
    fluxerr 0 is 200 and the point reads back with no error bar or limit."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    body = {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "mjd": 59400.1, "flux": 100.0,
            "fluxerr": 0, "zp": 23.9, "magsys": "ab", "filter": "ztfg"}
    assert api.ok("PATCH", f"/api/photometry/{point_id}", body) == {}
    point = api.ok("GET", f"/api/photometry/{point_id}?format=both")
    assert (point["flux"], point["fluxerr"], point["magerr"], point["snr"], point["limiting_mag"]) == (
        100.0, 0.0, None, None, None)
    assert abs(point["mag"] - 18.9) < 1e-9


def test_patch_coerces_numeric_strings(api, uploads, setup):
    """marshmallow's Float and Integer fields parse numeric strings."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    body = _full_mag_patch(setup, mag="18.5", instrument_id=str(setup.instrument_id), filter="ztfg")
    assert api.ok("PATCH", f"/api/photometry/{point_id}", body) == {}
    point = api.ok("GET", f"/api/photometry/{point_id}")
    assert abs(point["mag"] - 18.5) < 1e-9 and point["instrument_id"] == setup.instrument_id
