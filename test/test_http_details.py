"""What goes over the wire: headers, gzip, redirects, the GET body, checked with a recording loopback server."""

import gzip
import json
import platform
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import skyportal_client
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.model.photometry_range_query import PhotometryRangeQuery

ENVELOPE = {"status": "success", "data": [], "version": "1.4.0", "extra": "unknown keys are kept"}


class RecordingServer:
    """Answers every request with ``answer(handler)`` and keeps (method, path, headers, body)."""

    def __init__(self, host, answer):
        self.seen = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def json_answer(body=ENVELOPE, status=200, headers=None):
    return lambda handler: (status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode())


@pytest.fixture
def recording():
    servers = []

    def start(answer=json_answer(), host="127.0.0.1"):
        server = RecordingServer(host, answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def api_for(url, **settings):
    configuration = skyportal_client.Configuration(host=url, token="secret-token", rate_limit=None, **settings)
    return PhotometryApi(skyportal_client.ApiClient(configuration))


def test_headers_sent(recording):
    server = recording()
    api_for(server.url).api_sources_obj_id_photometry_get("ZTF21a")
    (_, path, headers, body), = server.seen
    version = ".".join(platform.python_version_tuple()[:2])
    assert path == "/api/sources/ZTF21a/photometry" and body == b""
    assert headers["Authorization"] == "token secret-token"
    assert headers["User-Agent"] == f"skyportal-client/{skyportal_client.__version__} python/{version}"
    assert "gzip" in headers["Accept-Encoding"] and headers["Accept"] == "application/json"


def test_the_range_query_is_a_json_body_on_the_get(recording):
    server = recording()
    api_for(server.url).api_photometry_range_get(
        format="flux", photometry_range_query=PhotometryRangeQuery(instrument_ids=[1], min_date="2021-07-05T12:00:00Z"))
    (method, path, headers, body), = server.seen
    assert (method, path, headers["Content-Type"]) == ("GET", "/api/photometry/range?format=flux", "application/json")
    assert json.loads(body) == {"instrument_ids": [1], "min_date": "2021-07-05T12:00:00"}


def test_a_gzip_answer_is_decoded(recording):
    packed = gzip.compress(json.dumps(ENVELOPE).encode())
    server = recording(lambda handler: (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, packed))
    assert api_for(server.url).api_sources_obj_id_photometry_get("ZTF21a") == ENVELOPE


def test_a_host_with_a_path_prefix_keeps_it(recording):
    server = recording()
    api_for(server.url + "/skyportal/").api_photometry_photometry_id_get(7)
    assert server.seen[0][1] == "/skyportal/api/photometry/7"


def test_a_redirect_to_another_host_does_not_carry_the_token(recording):
    target = recording(host="127.0.0.2")
    origin = recording(lambda handler: (307, {"Location": f"{target.url}{handler.path}"}, b""))
    assert api_for(origin.url).api_sources_obj_id_photometry_get("ZTF21a") == ENVELOPE
    assert origin.seen[0][2]["Authorization"] == "token secret-token"
    (_, path, headers, _), = target.seen
    assert path == "/api/sources/ZTF21a/photometry" and "Authorization" not in headers


def test_a_redirect_on_the_same_host_keeps_the_token(recording):
    def answer(handler):
        if handler.path.startswith("/old"):
            return 301, {"Location": handler.path[len("/old"):]}, b""
        return json_answer()(handler)

    server = recording(answer)
    api_for(server.url + "/old").api_photometry_photometry_id_get(3)
    assert [seen[1] for seen in server.seen] == ["/old/api/photometry/3", "/api/photometry/3"]
    assert all(seen[2]["Authorization"] == "token secret-token" for seen in server.seen)


def test_an_answer_that_is_not_json_is_an_api_exception(recording):
    server = recording(lambda handler: (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"))
    with pytest.raises(skyportal_client.ApiException, match="not JSON"):
        api_for(server.url).api_photometry_photometry_id_get(1)


def test_an_error_envelope_in_a_200_is_raised_without_the_token(recording):
    server = recording(json_answer({"status": "error", "message": "User secret-token may not", "version": "1.4.0"}))
    with pytest.raises(skyportal_client.ApiException) as raised:
        api_for(server.url).api_photometry_photometry_id_get(1)
    assert raised.value.status == 200 and raised.value.message == "User <token> may not"
    assert "secret-token" not in str(raised.value)


def test_an_old_server_version_is_warned_about_once(recording, caplog):
    server = recording(json_answer(dict(ENVELOPE, version="1.2.0")))
    api = api_for(server.url)
    with caplog.at_level("WARNING", logger="skyportal_client"):
        api.api_photometry_photometry_id_get(1)
        api.api_photometry_photometry_id_get(1)
    assert api.api_client.server_version == "1.2.0"
    assert [record.getMessage() for record in caplog.records].count(
        "SkyPortal 1.2.0 is older than 1.4.0, the oldest this client is tested against") == 1


def test_a_timeout_of_the_wrong_shape_is_refused_before_sending(recording):
    server = recording()
    with pytest.raises(skyportal_client.ApiTypeError, match="_request_timeout"):
        api_for(server.url).api_photometry_photometry_id_get(1, _request_timeout="soon")
    assert server.seen == []


def test_a_read_timeout_is_an_api_timeout_error(recording):
    release = threading.Event()

    def stall(handler):
        release.wait(5)
        return json_answer()(handler)

    server = recording(stall)
    try:
        with pytest.raises(skyportal_client.ApiTimeoutError, match="did not answer in time"):
            api_for(server.url, retries=0).api_photometry_photometry_id_get(1, _request_timeout=(1, 0.2))
    finally:
        release.set()
