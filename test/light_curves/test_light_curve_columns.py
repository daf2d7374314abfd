"""A light curve read as a table straight from the answer's columns is the table of its records:
the same columns in the same order, values, dtypes, masks and units, with the fast path on or off;
and the transport's envelope check and errors apply to it as to every answer."""

import json

import pytest
from support.upload_bodies import fresh_mjds

import skyportal_client
from skyportal_client._light_curves import columns as light_curve_columns
from skyportal_client._light_curves import tables
from skyportal_client._light_curves.columns import decode_light_curve
from skyportal_client._light_curves.read import get_light_curve, get_photometry_range
from skyportal_client._transport import json_codec
from skyportal_client._uploads.pipeline import upload_photometry

astropy_table = pytest.importorskip("astropy.table")
pandas = pytest.importorskip("pandas")
columns_of = light_curve_columns._columns


@pytest.fixture(params=["fast", "stdlib"])
def fast_json(request):
    """The fast path on (skipped without msgspec) or off."""
    fast = request.param == "fast"
    if fast:
        pytest.importorskip("msgspec")
    enabled = json_codec.fast_json_enabled()
    json_codec.use_fast_json(fast)
    yield fast
    json_codec.use_fast_json(enabled)


def assert_same_astropy(table, expected):
    assert table.colnames == expected.colnames and table.masked == expected.masked
    for name in expected.colnames:
        column, wanted = table[name], expected[name]
        assert type(column) is type(wanted) and column.dtype == wanted.dtype and column.unit == wanted.unit, name
        assert column.mask.tolist() == wanted.mask.tolist(), name
        if column.dtype == object:
            assert [(type(value), value) for value in column.data.data.tolist()] == \
                [(type(value), value) for value in wanted.data.data.tolist()], name
        else:
            assert column.data.data.tobytes() == wanted.data.data.tobytes(), name


def assert_same_pandas(frame, expected):
    assert list(frame.columns) == list(expected.columns)
    assert frame.dtypes.to_dict() == expected.dtypes.to_dict()
    assert frame.equals(expected)


def assert_same_columns(columns, records):
    expected = tables.point_columns(records)
    assert list(columns) == list(expected)
    for name, values in expected.items():
        assert [(type(value), value) for value in columns[name]] == [(type(value), value) for value in values], name


@pytest.fixture
def varied_light_curve(api_client, photometry, skyportal_provisioned):
    """Detections and non-detections, with altdata on some points only, in two uploads."""
    setup = skyportal_provisioned
    upload_photometry(api_client, {"mjd": fresh_mjds(4), "filter": ["ztfg", "ztfr", "ztfg", "ztfi"],
                                   "mag": [19.1, None, 18.7, 20.0], "magerr": [0.05, None, 0.04, 0.2],
                                   "limiting_mag": [21.0, 20.5, None, 21.5]},
                      obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    photometry.api_photometry_post({
        "obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "mjd": fresh_mjds(2), "filter": "ztfr",
        "magsys": "ab", "flux": [150.0, -3.5], "fluxerr": [5.0, 4.0], "zp": 23.9, "origin": "ztf",
        "altdata": [{"seeing": 1.2, "note": "ünïcode"}, {"seeing": None}]})
    return setup


@pytest.mark.parametrize("format", ["mag", "flux", "both"])
def test_a_table_from_the_columns_is_the_table_of_the_records(api_client, varied_light_curve, fast_json, format,
                                                              monkeypatch):
    obj_id = varied_light_curve.obj_id
    records = get_light_curve(api_client, obj_id, format=format)
    assert len(records) == 6
    decoded = []
    monkeypatch.setattr(light_curve_columns, "_columns", lambda *args: decoded.append(1) or columns_of(*args))
    assert_same_astropy(get_light_curve(api_client, obj_id, format=format, as_="astropy"), tables.to_astropy(records))
    assert_same_pandas(get_light_curve(api_client, obj_id, format=format, as_="pandas"), tables.to_pandas(records))
    assert len(decoded) == (2 if fast_json else 0)  # with msgspec, no dict per point was made


def test_the_range_query_as_a_table_from_columns(api_client, varied_light_curve, fast_json):
    setup = varied_light_curve
    query = {"instrument_ids": [setup.instrument_id], "min_date": "1858-11-17T00:00:00", "format": "flux"}
    records = get_photometry_range(api_client, **query)
    assert_same_pandas(get_photometry_range(api_client, **query, as_="pandas"), tables.to_pandas(records))


def test_the_answers_bytes_decode_to_the_columns_of_its_records(skyportal, varied_light_curve, fast_json):
    import urllib3

    pool = urllib3.connection_from_url(skyportal.url)
    body = pool.request("GET", f"/api/sources/{varied_light_curve.obj_id}/photometry?format=both",
                        headers={"Authorization": f"token {skyportal.token}"}).data
    envelope, expected = decode_light_curve(body), json.loads(body)
    assert {key: value for key, value in envelope.items() if key != "data"} == \
        {key: value for key, value in expected.items() if key != "data"}
    assert isinstance(envelope["data"], tables.PointColumns) is fast_json
    assert_same_columns(tables.point_columns(envelope["data"]), expected["data"])


def envelope(points, **extra):
    return json.dumps({"status": "success", "data": points, "version": "1.4.0", **extra}).encode()


ODD_ANSWERS = {
    "names in another order in later points": envelope([{"a": 1, "b": "x"}, {"b": "y", "a": 2}]),
    "a name missing from a later point": envelope([{"a": 1, "g": [1]}, {}]),
    "null first, then a number, text and nested": envelope([{"a": None}, {"a": 1.5}, {"a": "t"}, {"a": {"k": [1]}}]),
    "nested first, then null and scalars": envelope([{"g": {"k": 1}}, {"g": None}, {"g": 2}, {"g": [1, "é"]}]),
    "a name only a later point has": envelope([{"a": 1}, {"a": 2, "b": 3}]),
    "a scalar, then nested": envelope([{"a": 1}, {"a": [1]}]),
    "numbers json reads as infinity": b'{"status": "success", "data": [{"mag": 1e400}], "version": "1.4.0"}',
    "NaN": b'{"status": "success", "data": [{"mag": 1.0}, {"mag": NaN}], "version": "1.4.0"}',
    "names that are no identifiers": envelope([{"class": 1, "a-b": 2, "f0": 3, "": None}]),
    "big integers": envelope([{"id": 2 ** 70}, {"id": -1}]),
    "duplicate names": b'{"status": "success", "data": [{"a": 1, "a": 2}], "version": "1.4.0"}',
    "no points": envelope([]),
    "a message too": envelope([{"a": 1}], message="fine"),
    "whitespace everywhere": b' \n{ "version" : "1.4.0" ,\t"data" :\r\n[ { "a" : 1 } ] , "status" : "success" } ',
    "a first point longer than the first read": envelope([{"note": "x" * 300_000}, {"note": "y"}]),
    "another key in the envelope": envelope([{"a": 1}], extra={"b": 2}),
    "an error": b'{"status": "error", "message": "No such object", "data": {}}',
    "a list of numbers": envelope([1, 2]),
    "not an envelope": b'{"message": "ok"}',
    "not JSON": b"<html><body>Welcome</body></html>",
    "a byte order mark": b"\xef\xbb\xbf" + envelope([{"a": 1}]),
}


@pytest.mark.parametrize("body", ODD_ANSWERS.values(), ids=ODD_ANSWERS.keys())
def test_odd_answers_give_the_columns_of_their_records_or_the_plain_answer(body, fast_json):
    decoded, plain = decode_light_curve(body), json_codec.loads(body)
    if isinstance(decoded, dict) and isinstance(decoded.get("data"), tables.PointColumns):
        assert fast_json
        assert {key: value for key, value in decoded.items() if key != "data"} == \
            {key: value for key, value in plain.items() if key != "data"}
        assert_same_columns(decoded["data"], plain["data"])
        assert_same_astropy(tables.to_astropy(decoded["data"]), tables.to_astropy(plain["data"]))
        assert_same_pandas(tables.to_pandas(decoded["data"]), tables.to_pandas(plain["data"]))
    else:
        assert json.dumps(decoded) == json.dumps(plain)


@pytest.mark.parametrize("fault", ["non-envelope-200", "html-200"])
def test_an_answer_that_is_not_skyportals_is_still_refused(api_client, skyportal_server, varied_light_curve, fast_json,
                                                           fault):
    skyportal_server.inject_fault(fault, methods=["GET"], count=10)
    with pytest.raises(skyportal_client.InvalidAnswerError, match="not SkyPortal's envelope|not JSON"):
        get_light_curve(api_client, varied_light_curve.obj_id, as_="astropy")


def test_the_servers_error_surfaces_as_for_records(api_client, fast_json):
    with pytest.raises(skyportal_client.ForbiddenException, match="Insufficient permissions|does not exist|not found"):
        get_light_curve(api_client, "ZTF00nosuchobject", as_="pandas")
