"""PhotometryApi over HTTP against the server under test: every operation, both spaces, the errors."""

import datetime
import math

import pytest
from support.upload_bodies import flux_points, mag_points

import skyportal_client
from skyportal_client._transport.options import RequestOptions
from skyportal_client.model.photometry_range_query import PhotometryRangeQuery
from skyportal_client.model.success import Success
from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE
from skyportal_client.testing.provision import api_call, unique_name

ZP = 23.9


def flux_of(mag):
    return 10 ** (-0.4 * (mag - ZP))


def test_post_returns_ids_in_order_and_an_upload_id(photometry, skyportal_provisioned):
    body = mag_points(skyportal_provisioned, count=3)
    data = photometry.api_photometry_post(unknown_base_type=UNKNOWNBASETYPE(**body))["data"]
    assert len(data["ids"]) == 3 and data["ids"] == sorted(data["ids"])
    assert isinstance(data["upload_id"], str) and data["upload_id"]
    points = photometry.api_sources_obj_id_photometry_get(body["obj_id"])["data"]
    assert [p["id"] for p in points] == data["ids"]
    assert [p["mjd"] for p in points] == body["mjd"]


@pytest.mark.parametrize("output", ["mag", "flux", "both"])
def test_a_magnitude_reads_back_in_each_format(photometry, skyportal_provisioned, output):
    body = mag_points(skyportal_provisioned, count=1, mag=[19.1], magerr=[0.05])
    (point_id,) = photometry.api_photometry_post(unknown_base_type=body)["data"]["ids"]
    point = photometry.api_photometry_photometry_id_get(point_id, format=output)["data"]
    if output in ("mag", "both"):
        assert point["mag"] == pytest.approx(19.1, abs=1e-9)
        assert point["magerr"] == pytest.approx(0.05, abs=1e-9)
    if output in ("flux", "both"):
        assert point["flux"] == pytest.approx(flux_of(19.1), rel=1e-12)
        assert point["fluxerr"] == pytest.approx(0.05 * flux_of(19.1) * math.log(10) / 2.5, rel=1e-12)
        assert point["zp"] == ZP
    assert ("mag" in point) == (output != "flux") and ("flux" in point) == (output != "mag")


def test_a_flux_reads_back_as_a_magnitude(photometry, skyportal_provisioned):
    body = flux_points(skyportal_provisioned, count=2, flux=[150.0, -2.0], fluxerr=[5.0, 4.0])
    ids = photometry.api_photometry_post(unknown_base_type=body)["data"]["ids"]
    points = {p["id"]: p for p in photometry.api_sources_obj_id_photometry_get(body["obj_id"])["data"]}
    assert points[ids[0]]["mag"] == pytest.approx(-2.5 * math.log10(150.0) + ZP, abs=1e-9)
    assert points[ids[0]]["snr"] == pytest.approx(30.0)
    assert points[ids[1]]["mag"] is None  # a negative flux has no magnitude
    assert points[ids[1]]["snr"] == pytest.approx(-0.5)


def test_a_non_detection_keeps_its_limiting_magnitude(photometry, skyportal_provisioned):
    body = mag_points(skyportal_provisioned, count=1, mag=[None], magerr=[None], limiting_mag=[21.2])
    (point_id,) = photometry.api_photometry_post(unknown_base_type=body)["data"]["ids"]
    point = photometry.api_photometry_photometry_id_get(point_id, format="both")["data"]
    assert point["mag"] is None and point["flux"] is None
    assert point["limiting_mag"] == pytest.approx(21.2)
    assert point["fluxerr"] == pytest.approx(flux_of(21.2) / 3)


def test_vega_input_is_stored_on_ab_and_read_back_in_vega(photometry, skyportal_provisioned):
    """observed-exchanges §3: vega 18.7 in ztfg reads back as AB 18.604219370513576."""
    body = mag_points(skyportal_provisioned, count=1, mag=18.7, magerr=0.05, limiting_mag=21.0, magsys="vega")
    (point_id,) = photometry.api_photometry_post(unknown_base_type=body)["data"]["ids"]
    assert photometry.api_photometry_photometry_id_get(point_id)["data"]["mag"] == pytest.approx(18.604219370513576)
    vega = photometry.api_photometry_photometry_id_get(point_id, magsys="vega")["data"]
    assert (vega["mag"], vega["magsys"]) == (pytest.approx(18.7), "vega")


def test_a_magnitude_system_without_ztf_bands_is_a_server_error(photometry, skyportal_provisioned):
    """jla1 is not defined for ZTF filters; SkyPortal answers 500 with sncosmo's message."""
    (point_id,) = photometry.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 1))["data"]["ids"]
    with pytest.raises(skyportal_client.ServiceException) as raised:
        photometry.api_photometry_photometry_id_get(point_id, magsys="jla1")
    assert raised.value.status == 500 and raised.value.message


def test_put_is_an_idempotent_upsert(photometry, skyportal_provisioned):
    body = mag_points(skyportal_provisioned, count=2)
    first = photometry.api_photometry_put(unknown_base_type=body)["data"]
    again = photometry.api_photometry_put(unknown_base_type=body)["data"]
    assert first == again == {"ids": first["ids"]}
    assert len(photometry.api_sources_obj_id_photometry_get(body["obj_id"])["data"]) == 2


def test_patch_replaces_the_point(photometry, skyportal_provisioned):
    body = flux_points(skyportal_provisioned, count=1)
    (point_id,) = photometry.api_photometry_post(unknown_base_type=body)["data"]["ids"]
    point = {"obj_id": body["obj_id"], "instrument_id": body["instrument_id"], "mjd": body["mjd"][0],
             "flux": 120.0, "fluxerr": 4.0, "zp": ZP, "magsys": "ab", "filter": "ztfg"}
    response = photometry.api_photometry_photometry_id_patch(point_id, unknown_base_type=point)
    assert isinstance(response, Success) and response.status == "success" and response.data == {}
    changed = photometry.api_photometry_photometry_id_get(point_id, format="flux")["data"]
    assert (changed["flux"], changed["filter"], changed["snr"]) == (pytest.approx(120.0), "ztfg", pytest.approx(30.0))


def test_delete_and_bulk_delete(photometry, skyportal_provisioned):
    first = photometry.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 2))["data"]
    second = photometry.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 3))["data"]
    assert photometry.api_photometry_photometry_id_delete(first["ids"][0]).data == {}
    deleted = photometry.api_photometry_bulk_delete_upload_id_delete(second["upload_id"])
    assert deleted.data == "Deleted 3 photometry point(s)."
    left = photometry.api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)["data"]
    assert [p["id"] for p in left] == first["ids"][1:]


def test_the_range_query_travels_in_the_body_and_filters(photometry, skyportal, skyportal_provisioned):
    other_instrument = api_call(skyportal.url, skyportal.token, "POST", "/api/instrument", {
        "name": unique_name("other"), "type": "imager", "band": "optical",
        "telescope_id": skyportal_provisioned.telescope_id, "filters": ["ztfg"]})["id"]
    july = mag_points(skyportal_provisioned, 2, mjd=[59400.5 + 1e-6 * i for i in range(2)])  # 2021-07-05 12:00
    photometry.api_photometry_post(unknown_base_type=july)
    other = photometry.api_photometry_post(unknown_base_type=dict(july, instrument_id=other_instrument))["data"]["ids"]

    both = [skyportal_provisioned.instrument_id, other_instrument]

    def ids(**query):
        # Every query names this test's instruments, so that a server holding millions of
        # other points answers it as fast as an empty one.
        query.setdefault("instrument_ids", both)
        data = photometry.api_photometry_range_get(photometry_range_query=PhotometryRangeQuery(**query))["data"]
        return {point["id"] for point in data if point["obj_id"] == july["obj_id"]}

    everything = ids(min_date="2021-07-05T00:00:00", max_date="2021-07-06T00:00:00")
    assert len(everything) == 4
    assert ids(instrument_ids=[other_instrument]) == set(other)
    assert ids(min_date=datetime.datetime(2021, 7, 6)) == set()
    assert ids(min_date="2021-07-05T00:00:00", max_date=datetime.datetime(2021, 7, 6)) == everything
    flux = photometry.api_photometry_range_get(format="flux", photometry_range_query={"instrument_ids": [other_instrument]})
    assert {p["id"] for p in flux["data"]} == set(other) and all("flux" in p for p in flux["data"])


def test_object_ids_with_plus_and_dot_reach_their_route(photometry, skyportal, skyportal_provisioned):
    obj_id = unique_name("AT2021+abc.x").replace("-", "")
    api_call(skyportal.url, skyportal.token, "POST", "/api/sources",
             {"id": obj_id, "ra": 10.0, "dec": 5.0, "group_ids": [skyportal_provisioned.group_id]})
    photometry.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 1, obj_id=obj_id))
    assert [p["obj_id"] for p in photometry.api_sources_obj_id_photometry_get(obj_id)["data"]] == [obj_id]


def test_the_data_only_and_raw_forms(photometry, skyportal_provisioned):
    (point_id,) = photometry.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 1))["data"]["ids"]
    data, status, headers = photometry.api_photometry_photometry_id_get(point_id, _return_http_data_only=False)
    assert (data["data"]["id"], status) == (point_id, 200) and headers["Content-Type"].startswith("application/json")
    raw = photometry.api_photometry_photometry_id_get(point_id, _preload_content=False)
    assert b'"status": "success"' in raw.read()
    pending = photometry.api_photometry_photometry_id_get(point_id, async_req=True)
    assert pending.get(timeout=10)["data"]["id"] == point_id


def test_a_conditional_get_with_the_etag_is_304_without_data(photometry, skyportal_provisioned):
    """_headers sends If-None-Match on one call; SkyPortal's 304 has no body, so the data is None."""
    photometry.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 2))
    obj_id = skyportal_provisioned.obj_id
    data, status, headers = photometry.api_sources_obj_id_photometry_get(obj_id, _return_http_data_only=False)
    assert status == 200 and len(data["data"]) == 2
    etag = headers["Etag"]
    again = photometry.api_sources_obj_id_photometry_get(obj_id, _return_http_data_only=False,
                                                         _headers={"If-None-Match": etag})
    assert again[:2] == (None, 304)
    plain = photometry.api_sources_obj_id_photometry_get(obj_id, _return_http_data_only=False)
    assert plain[1] == 200, "the header is for that one call only"


def test_async_calls_run_on_the_client_s_thread_pool(configuration, skyportal_provisioned):
    """The generated-client surface's ``pool_threads`` and AsyncResult, and a custom User-Agent."""
    with skyportal_client.ApiClient(configuration, pool_threads=3) as client:
        client.user_agent = "pipeline/2.0"
        api = skyportal_client.api.photometry_api.PhotometryApi(client)
        ids = api.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 3))["data"]["ids"]
        pending = [api.api_photometry_photometry_id_get(point_id, async_req=True) for point_id in ids]
        for result in pending:
            result.wait(60)
        assert all(result.ready() and result.successful() for result in pending)
        assert [result.get()["data"]["id"] for result in pending] == ids
        assert client._executor._max_workers == 3 and client.user_agent == "pipeline/2.0"
        failing = api.api_photometry_photometry_id_get(999999999, async_req=True)
        with pytest.raises(skyportal_client.BadRequestException):
            failing.get(10)
        assert not failing.successful()


def test_the_server_version_is_kept(photometry, api_client, skyportal_provisioned):
    photometry.api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)
    assert api_client.server_version and api_client.server_version[0].isdigit()


class TestErrors:
    def test_an_unknown_token_is_401(self, skyportal, skyportal_provisioned):
        configuration = skyportal_client.Configuration(host=skyportal.url, token="00000000-0000-0000-0000-000000000000",
                                                       rate_limit=None)
        with skyportal_client.ApiClient(configuration) as api_client:
            api = skyportal_client.api.photometry_api.PhotometryApi(api_client)
            with pytest.raises(skyportal_client.UnauthorizedException) as raised:
                api.api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)
        assert raised.value.status == 401 and raised.value.message == "HTTP 401: Unauthorized"
        assert "00000000-0000" not in str(raised.value)

    def test_no_token_is_refused_before_sending(self, skyportal, skyportal_server, monkeypatch):
        monkeypatch.delenv("SKYPORTAL_TOKEN", raising=False)
        skyportal_server.clear_requests()
        with skyportal_client.ApiClient(skyportal_client.Configuration(host=skyportal.url, rate_limit=None)) as client:
            with pytest.raises(skyportal_client.ApiValueError, match=r"No token: pass Configuration\(token=...\) "
                                                                       r"or set \$SKYPORTAL_TOKEN"):
                skyportal_client.api.photometry_api.PhotometryApi(client).api_sources_obj_id_photometry_get("x")
        assert skyportal_server.requests == []

    def test_an_unknown_token_is_401_and_says_where_it_came_from(self, skyportal, monkeypatch):
        monkeypatch.setenv("SKYPORTAL_TOKEN", "00000000-0000-0000-0000-000000000000")
        with skyportal_client.ApiClient(skyportal_client.Configuration(host=skyportal.url, rate_limit=None)) as client:
            with pytest.raises(skyportal_client.UnauthorizedException) as raised:
                skyportal_client.api.photometry_api.PhotometryApi(client).api_sources_obj_id_photometry_get("x")
        assert "SkyPortal did not accept the token (it came from $SKYPORTAL_TOKEN)" in str(raised.value)

    def test_a_duplicate_is_400_with_the_servers_message(self, photometry, skyportal_provisioned):
        body = mag_points(skyportal_provisioned, 2)
        photometry.api_photometry_post(unknown_base_type=body)
        with pytest.raises(skyportal_client.BadRequestException) as raised:
            photometry.api_photometry_post(unknown_base_type=body)
        error = raised.value
        assert error.status == 400 and "already exists in the database" in error.message
        assert error.method == "POST" and error.path == "/api/photometry"
        assert error.server_version and f"(SkyPortal {error.server_version})" in str(error)
        assert str(error).endswith("Nothing was changed") and not error.may_have_reached_server
        assert "Traceback" not in str(error) and "already exists" in str(error)  # the traceback's last line

    def test_a_missing_point_is_400(self, photometry):
        with pytest.raises(skyportal_client.BadRequestException, match="Cannot find photometry point with ID: 999999999"):
            photometry.api_photometry_photometry_id_get(999999999)

    def test_an_unknown_object_is_403_and_the_token_is_not_shown(self, photometry, skyportal):
        with pytest.raises(skyportal_client.ForbiddenException) as raised:
            photometry.api_sources_obj_id_photometry_get("NOPE_NOT_EXIST")
        assert "Insufficient permissions" in raised.value.message
        assert skyportal.token not in raised.value.message and skyportal.token not in str(raised.value)
        assert skyportal.token.encode() not in raised.value.body

    def test_a_non_numeric_id_is_405(self, api_client):
        with pytest.raises(skyportal_client.MethodNotAllowedException, match="Method Not Allowed"):
            api_client.call_api(RequestOptions("PATCH", "/api/photometry/abc", body={}, response_type=Success))

    def test_a_server_exception_is_500_and_not_retried(self, api_client, skyportal_server):
        skyportal_server.clear_requests()
        with pytest.raises(skyportal_client.ServiceException) as raised:
            api_client.call_api(RequestOptions("POST", "/api/photometry/6", body={}))
        assert raised.value.status == 500 and "takes 1 positional argument" in raised.value.message
        assert len(skyportal_server.requests) == 1
