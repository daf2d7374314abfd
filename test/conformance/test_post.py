"""observed-exchanges §1: POST /api/photometry."""

import ast
import json
import math

from plain_http import REGISTERED_MAGSYSTEMS, UUID4, assert_error

DEDUP_KEYS = "(deduplication keys: obj_id, instrument_id, origin, mjd, fluxerr, flux)"


def _group_ids(point):
    return {group["id"] for group in point["groups"]}


def _single_user_group(point):
    [group] = [group for group in point["groups"] if group["single_user_group"]]
    return group["id"]


def test_mag_upload_returns_ids_and_upload_id(api, uploads):
    """observed-exchanges §1 POST: 200 with one int id per row, in order, and a uuid4 upload_id."""
    data = uploads.post(uploads.mag_body())
    assert set(data) == {"ids", "upload_id"}
    assert all(isinstance(point_id, int) for point_id in data["ids"])
    assert len(data["ids"]) == 3 and data["ids"] == sorted(data["ids"])
    assert UUID4.match(data["upload_id"])
    assert [point["id"] for point in uploads.points()] == data["ids"]


def test_flux_form_with_filter_list_and_group_all(api, uploads, setup):
    """observed-exchanges §1 "Other observed forms": flux space, a per-point
    filter list and group_ids "all" (public group plus single-user group)."""
    data = uploads.post(uploads.body(mjd=[59410.0, 59411.0], flux=[150.0, -2.0], fluxerr=[5.0, 4.0],
                                     zp=23.9, filter=["ztfr", "ztfi"], group_ids="all"))
    assert len(data["ids"]) == 2
    points = uploads.points()
    assert [point["filter"] for point in points] == ["ztfr", "ztfi"]
    for point in points:
        names = {group["name"] for group in point["groups"]}
        assert "Sitewide Group" in names
        assert setup.group_name not in names
        assert len(point["groups"]) == 2


def test_scalar_form_without_groups_uses_only_the_single_user_group(api, uploads):
    """observed-exchanges §1: scalar one-point vega form with no group_ids;
    only the uploader's single-user group is used."""
    data = uploads.post(uploads.body(mjd=59412.5, mag=18.7, magerr=0.05, limiting_mag=21.0, magsys="vega"))
    assert len(data["ids"]) == 1
    [point] = uploads.points()
    assert len(point["groups"]) == 1 and point["groups"][0]["single_user_group"] is True


def test_single_user_group_is_always_added(api, uploads, setup):
    """observed-exchanges §1 "Group semantics": the single-user group joins the requested groups."""
    uploads.post(uploads.mag_body())
    for point in uploads.points():
        assert setup.group_id in _group_ids(point)
        assert _single_user_group(point) in _group_ids(point)
        assert len(point["groups"]) == 2


def test_duplicate_of_stored_point_is_a_traceback_400(api, uploads, setup):
    """observed-exchanges §1 errors: an exact duplicate gives 400 whose message
    is a traceback ending with the duplicate keys (NaN flux as '__nan__')."""
    uploads.post(uploads.mag_body())
    before = uploads.points()
    reply = api.call("POST", "/api/photometry", uploads.mag_body(
        mjd=[59402.3, 59500.0], mag=[None, 18.0], magerr=[None, 0.1], limiting_mag=[21.2, 21.0]))
    assert_error(reply, 400)
    assert reply.message.startswith("Traceback (most recent call last):\n")
    expected = (f"ValidationError: The following photometry already exists in the database {DEDUP_KEYS}: "
                f"[('{setup.obj_id}', {setup.instrument_id}, 'None', 59402.3, 4.0075481153913755, '__nan__')]\n")
    assert reply.message.endswith(expected)
    assert uploads.points() == before  # all or nothing: the new row was not written


def test_duplicates_within_one_payload_list_nothing(api, uploads):
    """observed-exchanges §1 errors: two identical points in one POST -> 400 ending with []."""
    reply = api.call("POST", "/api/photometry", uploads.body(mjd=[59400.0, 59400.0], mag=19.0, magerr=0.1))
    assert_error(reply, 400)
    assert reply.message.endswith(f"already exists in the database {DEDUP_KEYS}: []\n")
    assert uploads.points() == []


def test_failed_post_uses_up_ids(api, uploads):
    """observed-exchanges §1: a failed POST uses sequence values, so ids are
    not contiguous, only increasing."""
    first = uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0.1))["ids"]
    assert api.call("POST", "/api/photometry", uploads.body(mjd=59400.0, mag=19.0, magerr=0.1)).status == 400
    second = uploads.post(uploads.body(mjd=59401.0, mag=19.0, magerr=0.1))["ids"]
    assert second[0] > first[0]


def test_filter_not_on_instrument(api, uploads, setup):
    """observed-exchanges §1 errors: filter sdssu on a ztf imager -> 400 traceback."""
    reply = api.call("POST", "/api/photometry", uploads.mag_body(filter="sdssu"))
    assert_error(reply, 400)
    assert reply.message.startswith("Traceback (most recent call last):\n")
    assert reply.message.endswith(f"ValidationError: Instrument {setup.instrument_name} has no filter sdssu.\n")


def test_unknown_object(api, uploads):
    """observed-exchanges §1 errors: unknown obj_id -> 400 Invalid object ID."""
    reply = api.call("POST", "/api/photometry", uploads.mag_body(obj_id="NOPE_NOT_EXIST"))
    assert_error(reply, 400, "Invalid object ID: NOPE_NOT_EXIST")


def test_list_lengths_differ(api, uploads):
    """observed-exchanges §1 errors: lists of different lengths -> the pandas message."""
    reply = api.call("POST", "/api/photometry", uploads.mag_body(mjd=[59400.1, 59401.2]))
    assert_error(reply, 400, 'Unable to coerce passed JSON to a series of packets. '
                             'Error was: "All arrays must be of the same length"')


def test_unknown_group(api, uploads):
    """observed-exchanges §1 errors: group 9999 -> 400 Invalid group IDs."""
    reply = api.call("POST", "/api/photometry", uploads.mag_body(group_ids=[9999999]))
    assert_error(reply, 400, "Invalid group IDs: {9999999}. Available group IDs: set()")


def test_body_not_json_is_500(api):
    """observed-exchanges §1 errors: a non-JSON body -> 500 JSON decode message."""
    reply = api.call("POST", "/api/photometry", raw="this is not json")
    assert_error(reply, 500, "JSON decode of request body failed on /api/photometry. "
                             "Please ensure all requests are of type application/json.")


def test_id_in_path_is_500(api, uploads):
    """observed-exchanges §1 errors: POST /api/photometry/6 -> 500 TypeError text."""
    reply = api.call("POST", "/api/photometry/6", uploads.mag_body())
    assert_error(reply, 500, "PhotometryHandler.post() takes 1 positional argument but 2 were given")


def test_unknown_keys_are_rejected(api, uploads):
    """skyportal-photometry-api §3: unknown keys and mixed mag/flux keys -> 400, nothing stored."""
    for body, unknown in ((uploads.mag_body(colour="blue"), "colour"), (uploads.mag_body(flux=[1.0, 2.0, 3.0]), "flux")):
        reply = api.call("POST", "/api/photometry", body)
        assert_error(reply, 400)
        mag_part, flux_part = _schema_parts(reply.message)
        assert mag_part == {unknown: ["Unknown field."]}
        assert flux_part["fluxerr"] == flux_part["zp"] == ["Missing data for required field."]
    assert uploads.points() == []


def test_non_detection_needs_a_limiting_mag(api, uploads):
    """skyportal-photometry-api §3.2 step 2: mag null without limiting_mag -> 400 naming the MJDs."""
    reply = api.call("POST", "/api/photometry", uploads.body(mjd=59400.0, mag=None, magerr=None))
    assert_error(reply, 400, "Non-detections (mag=null) require a limiting_mag. Affected row(s) at MJD: [59400.0].")


def test_limiting_mag_nsigma_sets_the_stored_error(api, uploads):
    """skyportal-photometry-api §2.2: fluxerr = 10**(-0.4*(limiting_mag-23.9))/nsigma."""
    uploads.post(uploads.body(mjd=59400.0, mag=None, magerr=None, limiting_mag=21.2, limiting_mag_nsigma=5))
    [point] = uploads.points("?format=flux")
    assert point["fluxerr"] == (10 ** (-0.4 * (21.2 - 23.9))) / 5


def test_fluxerr_must_be_positive(api, uploads):
    """observed-exchanges-2 row test_post.py::test_fluxerr_must_be_positive: fluxerr 0 -> 400
    with marshmallow's text wrapped in both schemas' errors; the mag-space
    part lists the unknown keys in an order that varies (a set)."""
    reply = api.call("POST", "/api/photometry", uploads.body(mjd=59400.0, flux=10.0, fluxerr=0.0, zp=23.9))
    assert_error(reply, 400)
    mag_part, flux_part = _schema_parts(reply.message)
    assert set(mag_part) == {"flux", "fluxerr", "zp"} and all(
        errors == ["Unknown field."] for errors in mag_part.values())
    assert flux_part == {"fluxerr": ["Invalid value: fluxerr must be positive (non-zero)"]}
    assert uploads.points() == []


def _schema_parts(message):
    """The mag-space and flux-space error dicts of an "Invalid input format" message."""
    prefix = 'Invalid input format: Tried to parse data in mag space, got: "'
    middle = '." Tried to parse data in flux space, got: "'
    assert message.startswith(prefix) and message.endswith('."') and middle in message, message
    mag_part, flux_part = message[len(prefix):-2].split(middle)
    return ast.literal_eval(mag_part), ast.literal_eval(flux_part)


def test_flux_nan_is_stored_as_a_non_detection(api, uploads):
    """observed-exchanges-2 row test_post.py::test_non_finite_numbers_are_rejected: a flux-space
    "flux": NaN is 200, stored as a non-detection: flux and mag null, fluxerr
    1.0 kept, limiting_mag -2.5 log10(5 x fluxerr) + 23.9, snr null."""
    raw = json.dumps(uploads.body(mjd=59400.0, flux=float("nan"), fluxerr=1.0, zp=23.9))
    assert "NaN" in raw
    reply = api.call("POST", "/api/photometry", raw=raw)
    assert reply.status == 200, reply
    [in_flux] = uploads.points("?format=flux")
    assert (in_flux["flux"], in_flux["fluxerr"], in_flux["snr"]) == (None, 1.0, None)
    [in_mag] = uploads.points()
    assert (in_mag["mag"], in_mag["magerr"]) == (None, None)
    assert abs(in_mag["limiting_mag"] - (-2.5 * math.log10(5 * 1.0) + 23.9)) < 1e-9
    assert abs(in_mag["limiting_mag"] - 22.152575) < 1e-6


def test_non_finite_numbers_are_rejected(api, uploads):
    """observed-exchanges-2 row test_post.py::test_non_finite_numbers_are_rejected: flux
    ±Infinity -> 400 "field flux must be finite."; mag NaN -> 400 (mag and
    magerr both null or not); mag Infinity -> 400 "field mag must be finite."."""
    cases = [({"flux": float("inf"), "fluxerr": 1.0, "zp": 23.9}, "field flux must be finite."),
             ({"flux": float("-inf"), "fluxerr": 1.0, "zp": 23.9}, "field flux must be finite."),
             ({"mag": float("nan"), "magerr": 0.1}, "mag and magerr must both be null, or both be not null."),
             ({"mag": float("inf"), "magerr": 0.1}, "field mag must be finite.")]
    for fields, reason in cases:
        reply = api.call("POST", "/api/photometry", raw=json.dumps(uploads.body(mjd=59400.0, **fields)))
        assert_error(reply, 400)
        assert reply.message.startswith('Error parsing packet "{') and reply.message.endswith(f'}}": {reason}')
    assert uploads.points() == []


def test_zero_magerr_is_stored_without_an_error_bar(api, uploads):
    """observed-exchanges-2 "Two more answers": magerr 0 in a mag-space POST is
    200, and the point reads back with magerr null and snr null (fluxerr 0)."""
    uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0))
    [point] = uploads.points("?format=both")
    assert abs(point["mag"] - 19.0) < 1e-9
    assert (point["magerr"], point["snr"], point["fluxerr"]) == (None, None, 0.0)


def test_bogus_magsys_on_upload(api, uploads):
    """observed-exchanges-2 "Two more answers": magsys "bogus" on upload -> 400
    "Error standardizing photometry data: 'bogus' not in registry. ..." (the
    names' order varies)."""
    reply = api.call("POST", "/api/photometry", uploads.mag_body(magsys="bogus"))
    assert_error(reply, 400)
    prefix = "Error standardizing photometry data: 'bogus' not in registry. Registered names: "
    assert reply.message.startswith(prefix) and reply.message.endswith(".")
    names = {name.strip(" '") for name in reply.message[len(prefix):-1].split(",")}
    assert names == REGISTERED_MAGSYSTEMS
    assert uploads.points() == []


def test_row_cap(api, uploads):
    """skyportal-photometry-api §3.2 step 7: more than 10000 rows -> 400, nothing stored."""
    rows = 10001
    reply = api.call("POST", "/api/photometry", uploads.body(
        mjd=[59000.0 + index / 1000 for index in range(rows)], mag=19.0, magerr=0.1))
    assert_error(reply, 400, "Maximum number of photometry rows to post exceeded: 10001 > 10000. "
                             "Please break up the data into smaller sets and try again")
    assert uploads.points() == []
