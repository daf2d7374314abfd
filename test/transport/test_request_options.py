"""One RequestOptions per call, carried to the transport: an ``async_req=True`` call sends, times out and decodes
exactly as the same synchronous call, and a decoder is an option of one call, not of the client."""

import json
import threading

import pytest
from support.recording_server import RecordingServer

import skyportal_client
from skyportal_client._transport.options import RequestOptions
from skyportal_client.api.photometry_api import PhotometryApi

POINTS = {"status": "success", "data": [{"id": 1, "mag": 18.5}], "version": "1.4.0"}


def points(handler):
    return 200, {"Content-Type": "application/json", "ETag": '"v1"'}, json.dumps(POINTS).encode()


@pytest.fixture
def recording():
    servers = []

    def start(answer=points):
        server = RecordingServer("127.0.0.1", answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def api_for():
    clients = []

    def make(server):
        configuration = skyportal_client.Configuration(host=server.url, token="secret-token", rate_limit=None,
                                                       retries=0)
        clients.append(skyportal_client.ApiClient(configuration, pool_threads=2))
        return PhotometryApi(clients[-1])

    yield make
    for client in clients:
        client.close()


def test_an_async_call_sends_and_returns_what_the_same_synchronous_call_does(recording, api_for):
    server = recording()
    api = api_for(server)
    call = {"format": "flux", "_headers": {"If-None-Match": '"v0"', "X-Trace": "7"}, "_return_http_data_only": False}
    synchronous = api.api_sources_obj_id_photometry_get("ZTF21a", **call)
    asynchronous = api.api_sources_obj_id_photometry_get("ZTF21a", async_req=True, **call).get(10)
    assert synchronous[:2] == asynchronous[:2] == (POINTS, 200)
    assert synchronous[2]["ETag"] == asynchronous[2]["ETag"] == '"v1"'
    (_, first_path, first, _), (_, second_path, second, _) = server.seen
    assert first_path == second_path == "/api/sources/ZTF21a/photometry?format=flux"
    for headers in (first, second):
        assert (headers["If-None-Match"], headers["X-Trace"], headers["Authorization"]) == \
            ('"v0"', "7", "token secret-token")


def test_an_async_call_keeps_its_own_timeout(recording, api_for):
    release = threading.Event()

    def stall(handler):
        release.wait(5)  # far past the call's 0.2 s read timeout, far short of the configured 55 s
        return points(handler)

    api = api_for(recording(stall))
    try:
        with pytest.raises(skyportal_client.ApiTimeoutError, match="did not answer in time"):
            api.api_photometry_photometry_id_get(1, _request_timeout=(1, 0.2))
        pending = api.api_photometry_photometry_id_get(1, _request_timeout=(1, 0.2), async_req=True)
        with pytest.raises(skyportal_client.ApiTimeoutError, match="did not answer in time"):
            pending.get(4)
    finally:
        release.set()


def test_a_decoder_is_an_option_of_one_call_run_in_a_thread_or_not(recording, api_for):
    api = api_for(recording())
    client = api.api_client

    def decode_tagged(body):
        return {**json.loads(body), "decoded_in": threading.current_thread().name}

    options = RequestOptions("GET", "/api/sources/ZTF21a/photometry", decoder=decode_tagged)
    assert client.call_api(options)["decoded_in"] == threading.current_thread().name
    assert client.call_api(options, async_req=True).get(10)["decoded_in"].startswith("skyportal_client")
    assert api.api_sources_obj_id_photometry_get("ZTF21a") == POINTS  # the next call decodes plain JSON


def test_a_decoders_envelope_is_still_checked(recording, api_for):
    options = RequestOptions("GET", "/api/sources/ZTF21a/photometry", decoder=lambda body: {"data": []})
    with pytest.raises(skyportal_client.InvalidAnswerError, match="not SkyPortal's envelope"):
        api_for(recording()).api_client.call_api(options)


def test_per_call_keywords_replace_only_the_options_they_name(recording, api_for):
    release = threading.Event()

    def stall(handler):
        release.wait(5)
        return points(handler)

    server = recording(stall)
    options = RequestOptions("GET", "/api/photometry/1", timeout=(1, 0.2))
    try:
        with pytest.raises(skyportal_client.ApiTimeoutError, match="did not answer in time"):
            api_for(server).api_client.call_api(options, _headers={"X-Trace": "8"})
    finally:
        release.set()
    assert server.seen[0][2]["X-Trace"] == "8"
