"""The embedded server's documented magnitude-system limits (server module
docstring): only AB and vega/ztfg are known offline; other pairs fail the way
SkyPortal fails.  Embedded only: a real SkyPortal converts them all."""

from plain_http import assert_error


def test_unknown_pair_on_upload_is_a_standardization_error(api, uploads, embedded_only):
    """Upload in vega/ztfr -> 400 "Error standardizing photometry data: ...", nothing stored."""
    reply = api.call("POST", "/api/photometry", uploads.body(mjd=59400.0, mag=19.0, magerr=0.1,
                                                             filter="ztfr", magsys="vega"))
    assert_error(reply, 400)
    assert reply.message.startswith("Error standardizing photometry data: ")
    assert uploads.points() == []


def test_unknown_pair_on_output_is_a_500(api, uploads, embedded_only):
    """Reading a ztfr point in vega -> 500 on the single and object GETs."""
    [point_id] = uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0.1, filter="ztfr"))["ids"]
    assert_error(api.call("GET", f"/api/photometry/{point_id}?magsys=vega"), 500)
    assert_error(api.call("GET", f"/api/sources/{uploads.setup.obj_id}/photometry?magsys=vega"), 500)
    assert api.ok("GET", f"/api/photometry/{point_id}?magsys=ab")["mag"] == 19.0
