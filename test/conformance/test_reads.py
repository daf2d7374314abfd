"""observed-exchanges §2 (GET /api/sources/{obj_id}/photometry) and §3 (GET /api/photometry/{id})."""

from plain_http import ISO_NAIVE, REGISTERED_MAGSYSTEMS, assert_error

LIST_KEYS = ["obj_id", "ra", "dec", "filter", "mjd", "snr", "instrument_id", "instrument_name", "ra_unc",
             "dec_unc", "origin", "id", "altdata", "created_at", "groups"]
MAG_KEYS = ["mag", "magerr", "magsys", "limiting_mag"]
FLUX_KEYS = ["flux", "magsys", "zp", "fluxerr"]


def test_source_photometry_list(api, uploads, setup):
    """observed-exchanges §2: points sorted by mjd, observed keys and values;
    origin "None"; the non-detection keeps limiting_mag."""
    ids = uploads.post(uploads.mag_body())["ids"]
    points = uploads.points()
    assert [point["id"] for point in points] == ids
    assert [point["mjd"] for point in points] == [59400.1, 59401.2, 59402.3]
    first, _, last = points
    assert list(first) == LIST_KEYS + MAG_KEYS
    assert first["obj_id"] == setup.obj_id and first["instrument_id"] == setup.instrument_id
    assert first["instrument_name"] == setup.instrument_name
    assert (first["mag"], first["magerr"], first["magsys"], first["limiting_mag"]) == (19.1, 0.05, "ab", 21.0)
    assert first["snr"] == 21.714724095162588
    assert first["origin"] == "None" and first["altdata"] is None
    assert first["ra"] is None and first["dec_unc"] is None
    assert ISO_NAIVE.match(first["created_at"])
    for group in first["groups"]:
        assert set(group) == {"id", "name", "nickname", "single_user_group"}
    assert (last["mag"], last["magerr"], last["snr"], last["limiting_mag"]) == (None, None, None, 21.2)


def test_source_photometry_in_flux(api, uploads):
    """observed-exchanges §2: format=flux gives flux, fluxerr, zp and magsys;
    flux -2 with fluxerr 4 has snr -0.5."""
    uploads.post(uploads.body(mjd=[59410.0, 59411.0], flux=[150.0, -2.0], fluxerr=[5.0, 4.0],
                              zp=23.9, filter=["ztfr", "ztfi"]))
    points = uploads.points("?format=flux")
    assert list(points[1]) == LIST_KEYS + FLUX_KEYS
    assert (points[1]["flux"], points[1]["fluxerr"], points[1]["zp"], points[1]["snr"]) == (-2.0, 4.0, 23.9, -0.5)
    assert points[0]["flux"] == 150.0
    assert uploads.points()[1]["mag"] is None  # a negative flux has no magnitude


def test_include_extinction_adds_null_extinction(api, uploads, skyportal):
    """observed-exchanges §2: includeExtinction=true adds extinction, mag_corr, flux_corr."""
    uploads.post(uploads.mag_body())
    point = uploads.points("?includeExtinction=true")[0]
    assert {"extinction", "mag_corr", "flux_corr"} <= set(point)
    if skyportal.embedded:  # the recorded install had no dust maps either
        assert point["extinction"] is None


def test_no_photometry_is_an_empty_list(api, setup):
    """observed-exchanges §2: an object without photometry -> 200 []."""
    reply = api.call("GET", f"/api/sources/{setup.obj_id}/photometry")
    assert reply.status == 200 and reply.json == {"status": "success", "data": [], "version": "1.4.0"}


def test_unknown_object_is_403_naming_the_token(api):
    """observed-exchanges §2: unknown obj -> 403 naming the token as the user."""
    reply = api.call("GET", "/api/sources/NOPE_NOT_EXIST/photometry")
    assert_error(reply, 403, "Insufficient permissions for User <token> to read Obj NOPE_NOT_EXIST", hide=api.token)
    assert api.token in reply.json["message"]  # SkyPortal names the token: the SDK must redact it


def test_single_point_in_flux(api, uploads):
    """observed-exchanges §3: GET /api/photometry/<id>?format=flux values and
    the extra "annotations": []."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    point = api.ok("GET", f"/api/photometry/{point_id}?format=flux")
    assert list(point) == LIST_KEYS + ["annotations"] + FLUX_KEYS
    assert point["annotations"] == []
    assert point["flux"] == 83.17637711026691 and point["fluxerr"] == 3.830413720467036
    assert (point["zp"], point["magsys"], point["id"]) == (23.9, "ab", point_id)
    assert "annotations" not in uploads.points()[0]


def test_non_detection_in_flux(api, uploads):
    """observed-exchanges §3: a non-detection has flux null and the 3-sigma fluxerr."""
    point_id = uploads.post(uploads.mag_body())["ids"][2]
    point = api.ok("GET", f"/api/photometry/{point_id}?format=flux")
    assert point["flux"] is None and point["fluxerr"] == 4.0075481153913755


def test_format_defaults_to_mag_and_both_has_everything(api, uploads):
    """observed-exchanges §3: format defaults to mag; both gives mag and flux keys."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    assert set(MAG_KEYS) <= set(api.ok("GET", f"/api/photometry/{point_id}"))
    both = api.ok("GET", f"/api/photometry/{point_id}?format=both")
    assert set(MAG_KEYS + FLUX_KEYS) <= set(both)
    assert (both["mag"], both["flux"]) == (19.1, 83.17637711026691)


def test_limiting_mag_defaults_to_five_sigma(api, uploads):
    """skyportal-photometry-api §2.3: without an uploaded limiting_mag, it is 5-sigma from fluxerr."""
    point_id = uploads.post(uploads.body(mjd=59400.0, mag=19.1, magerr=0.05))["ids"][0]
    point = api.ok("GET", f"/api/photometry/{point_id}")
    assert point["limiting_mag"] == 20.694460778251344


def test_vega_conversion(api, uploads):
    """observed-exchanges §3: a vega 18.7 ztfg upload reads back 18.7 in vega
    and 18.604219370513576 (limiting 20.904219370513577) in AB."""
    point_id = uploads.post(uploads.body(mjd=59412.5, mag=18.7, magerr=0.05, limiting_mag=21.0,
                                         magsys="vega"))["ids"][0]
    in_ab = api.ok("GET", f"/api/photometry/{point_id}")
    assert (in_ab["mag"], in_ab["limiting_mag"]) == (18.604219370513576, 20.904219370513577)
    in_vega = api.ok("GET", f"/api/photometry/{point_id}?magsys=vega")
    assert (in_vega["mag"], in_vega["magsys"]) == (18.7, "vega")


def test_bad_format_is_500(api, uploads):
    """observed-exchanges §3 errors: format=bogus -> 500 naming the allowed formats."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    reply = api.call("GET", f"/api/photometry/{point_id}?format=bogus")
    assert_error(reply, 500)
    assert reply.message.startswith(f"Could not serialize phot_id: {point_id}")
    assert reply.message.endswith("Invalid output format specified. Must be one of ['flux', 'mag', 'both'], "
                                  "got 'bogus'.")


def test_bad_magsys_is_500(api, uploads):
    """observed-exchanges-2 row test_reads.py::test_bad_magsys_is_500 (and observed-exchanges §3):
    magsys=bogus -> 500 naming sncosmo's registered systems, in an order that varies."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    reply = api.call("GET", f"/api/photometry/{point_id}?magsys=bogus")
    assert_error(reply, 500)
    prefix = "'bogus' not in registry. Registered names: "
    assert reply.message.startswith(prefix)
    assert {name.strip(" '") for name in reply.message[len(prefix):].split(",")} == REGISTERED_MAGSYSTEMS


def test_missing_point(api):
    """observed-exchanges §3 errors: unknown id -> 400 Cannot find."""
    assert_error(api.call("GET", "/api/photometry/999999"), 400, "Cannot find photometry point with ID: 999999.")


def test_no_id(api):
    """observed-exchanges §3 errors: GET /api/photometry -> 400 Missing required photometry_id."""
    assert_error(api.call("GET", "/api/photometry"), 400, "Missing required photometry_id.")


def test_non_numeric_and_negative_ids_hit_the_catch_all(api):
    """observed-exchanges §3 errors: /api/photometry/abc and /-1 -> 400 Invalid API endpoint."""
    for path in ("/api/photometry/abc", "/api/photometry/-1"):
        assert_error(api.call("GET", path), 400, "Invalid API endpoint")
