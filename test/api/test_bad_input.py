"""Bad input: a clear exception before anything is sent, or a correct request; nothing lost either way."""

import json
import math

import hypothesis
import pytest
from hypothesis import strategies as st
from support.upload_bodies import mag_points

import skyportal_client
from skyportal_client._transport.json_codec import dumps as encode_json
from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE

REFUSED = [
    # (case, change to a valid body, exception, words the message must hold)
    ("NaN magnitude", {"mag": [19.0, math.nan, 19.2]}, skyportal_client.ApiValueError, "mag[1] is nan"),
    ("infinite mjd", {"mjd": [59000.0, math.inf, 59002.0]}, skyportal_client.ApiValueError, "mjd[1] is inf"),
    ("unequal columns", {"magerr": [0.05, 0.05]}, skyportal_client.ApiValueError, "magerr has 2 values but mjd has 3"),
    ("mjd as text", {"mjd": ["59000", "59001", "59002"]}, skyportal_client.ApiTypeError, "mjd[0] must be a number"),
    ("instrument id as float", {"instrument_id": 1.5}, skyportal_client.ApiTypeError, "instrument_id must be an integer"),
    ("bool for a number", {"mag": [True, 19.0, 19.1]}, skyportal_client.ApiTypeError, "mag[0] must be a number"),
    ("unknown magsys", {"magsys": "sdss"}, skyportal_client.ApiValueError, "magsys must be one of"),
    ("missing filter", {"filter": None}, skyportal_client.ApiValueError, "needs 'filter'"),
    ("null obj_id", {"obj_id": [None, "a", "b"]}, skyportal_client.ApiValueError, "obj_id[0] is null"),
    ("negative magerr", {"magerr": [0.05, -0.1, 0.05]}, skyportal_client.ApiValueError,
     "magerr[1] must be greater than 0, not -0.1"),
    # SkyPortal would store a zero error as no error at all (observed-exchanges-2.md).
    ("zero magerr", {"magerr": [0.05, 0.0, 0.05]}, skyportal_client.ApiValueError, "magerr[1] must be greater than 0"),
    ("magnitude without its error", {"magerr": [0.05, None, 0.05]}, skyportal_client.ApiValueError,
     "magerr[1] is null but mag is not: mag and magerr are given together"),
    ("non-detection without its limit", {"mag": [19.0, None, 19.2], "magerr": [0.05, None, 0.05],
                                         "limiting_mag": [21.0, None, 21.0]},
     skyportal_client.ApiValueError, "limiting_mag[1] is null where mag is null"),
    ("an object no route can address", {"obj_id": "ZTF21 abc"}, skyportal_client.ApiValueError,
     "obj_id 'ZTF21 abc' cannot be sent: it must match"),
    ("mag and flux mixed", {"flux": [1.0, 2.0, 3.0]}, skyportal_client.ApiValueError, "has no field 'flux'"),
    ("an unknown field", {"magnitude": 19.0}, skyportal_client.ApiValueError, "has no field 'magnitude'"),
    ("10 001 points", "rows", skyportal_client.ApiValueError, "10001 points; SkyPortal takes at most 10000"),
]


def test_every_problem_is_reported_not_the_first(photometry, skyportal_server, skyportal_provisioned):
    body = body_with(skyportal_provisioned, {"mag": [19.0, math.nan, 19.2], "magerr": [0.05, 0.0, -1.0],
                                             "mjd": [59000.0, "59001", 59002.0]})
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        photometry.api_photometry_post(unknown_base_type=body)
    text = str(raised.value)
    assert text.startswith("4 problems in PhotometryMagUpload; nothing was sent:")
    for words in ("mjd[1] must be a number", "mag[1] is nan", "magerr[1] must be greater than 0, not 0.0",
                  "magerr[2] must be greater than 0, not -1.0"):
        assert words in text
    assert [(problem.row, problem.column) for problem in raised.value.problems] == [
        (1, "mjd"), (1, "mag"), (1, "magerr"), (2, "magerr")]
    assert skyportal_server.requests == []


def body_with(provisioned, change):
    body = mag_points(provisioned, count=3)
    if change == "rows":
        body = mag_points(provisioned, count=10001)
    else:
        body.update(change)
        body = {key: value for key, value in body.items() if value is not None}
    return body


@pytest.mark.parametrize("case, change, error, words", REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_before_sending(case, change, error, words, photometry, skyportal_server, skyportal_provisioned):
    before = skyportal_server.photometry_count()
    skyportal_server.clear_requests()
    for send in (photometry.api_photometry_post, photometry.api_photometry_put):
        with pytest.raises(error) as raised:
            send(unknown_base_type=body_with(skyportal_provisioned, change))
        assert words in str(raised.value)
    assert skyportal_server.requests == [] and skyportal_server.photometry_count() == before


@pytest.mark.parametrize("obj_id, reason", [
    ("ZTF21/abc", "must match"), ("..", "must match"), ("ZTF%2F", "must match"), ("ZTF21é", "must match"),
    ("", "must match"), (42, "must be a string"),
])
def test_object_ids_that_cannot_be_addressed_are_refused(obj_id, reason, photometry, skyportal_server):
    skyportal_server.clear_requests()
    with pytest.raises((skyportal_client.ApiValueError, skyportal_client.ApiTypeError), match=reason):
        photometry.api_sources_obj_id_photometry_get(obj_id)
    assert skyportal_server.requests == []


def test_an_object_id_with_plus_is_sent_unescaped(photometry, skyportal_server):
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ForbiddenException):  # reached the route: the object does not exist
        photometry.api_sources_obj_id_photometry_get("ZTF21+no.such")
    assert [record.path for record in skyportal_server.requests] == ["/api/sources/ZTF21+no.such/photometry"]


def test_an_upload_id_with_a_slash_is_escaped_not_split(photometry, skyportal_server):
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.BadRequestException, match="Invalid bulk upload id"):
        photometry.api_photometry_bulk_delete_upload_id_delete("a/../b")
    assert [record.path for record in skyportal_server.requests] == ["/api/photometry/bulk_delete/a%2F..%2Fb"]


def test_an_incomplete_patch_is_refused_before_sending(photometry, skyportal_server):
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ApiValueError, match="needs 'obj_id', 'instrument_id', 'mjd', 'filter'"):
        photometry.api_photometry_photometry_id_patch(1, unknown_base_type={"mag": 18.5, "magerr": 0.1, "magsys": "ab"})
    assert skyportal_server.requests == []


def test_a_patched_non_detection_without_its_limit_is_refused(photometry, skyportal_server):
    """SkyPortal would answer a bare 500 "'limiting_mag'"."""
    skyportal_server.clear_requests()
    point = {"obj_id": "ZTF21a", "instrument_id": 1, "mjd": 59000.0, "filter": "ztfg", "magsys": "ab",
             "mag": None, "magerr": None}
    with pytest.raises(skyportal_client.ApiValueError, match="needs 'limiting_mag'"):
        photometry.api_photometry_photometry_id_patch(1, unknown_base_type=point)
    assert skyportal_server.requests == []


def test_numpy_values_are_sent_as_plain_numbers(photometry, skyportal_provisioned):
    numpy = pytest.importorskip("numpy")
    body = mag_points(skyportal_provisioned, count=3)
    body.update(mjd=numpy.array(body["mjd"]), mag=numpy.array(body["mag"], dtype=numpy.float32),
                instrument_id=numpy.int64(body["instrument_id"]))
    ids = photometry.api_photometry_post(unknown_base_type=body)["data"]["ids"]
    assert len(ids) == 3


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def columns(draw, elements=finite):
    count = draw(st.integers(1, 30))
    return {name: draw(st.lists(elements, min_size=count, max_size=count)) for name in ("mjd", "mag", "limiting_mag")}


def upload(**fields):
    return UNKNOWNBASETYPE(obj_id="ZTF21a", instrument_id=1, filter="ztfg", magsys="ab", **fields)


@hypothesis.given(columns())
def test_finite_columns_serialise_exactly(fields):
    fields["magerr"] = [0.1] * len(fields["mjd"])
    sent = json.loads(encode_json(upload(**fields)))
    assert {name: sent[name] for name in fields} == fields


@hypothesis.given(columns(), st.sampled_from(["mjd", "mag", "limiting_mag"]), st.data(),
                  st.sampled_from([math.nan, math.inf, -math.inf]))
def test_one_non_finite_value_anywhere_is_named(fields, name, data, bad):
    index = data.draw(st.integers(0, len(fields[name]) - 1))
    fields[name][index] = bad
    with pytest.raises(skyportal_client.ApiValueError, match=rf"{name}\[{index}\] is"):
        upload(**fields)


@hypothesis.given(columns(), st.integers(1, 5))
def test_a_column_of_another_length_is_refused(fields, extra):
    fields["magerr"] = [0.1] * (len(fields["mjd"]) + extra)
    with pytest.raises(skyportal_client.ApiValueError, match="every list needs one value per point"):
        upload(**fields)


@hypothesis.given(st.dictionaries(st.text(min_size=1, max_size=8), st.none() | st.integers() | st.text(max_size=5),
                                  max_size=4))
def test_altdata_travels_as_given(altdata):
    sent = json.loads(encode_json(upload(mjd=1.0, mag=19.0, magerr=0.1, altdata=altdata)))
    assert sent["altdata"] == altdata
