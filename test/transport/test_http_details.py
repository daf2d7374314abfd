"""What goes over the wire: headers, gzip, redirects, the GET body, checked with a recording loopback server."""

import gzip
import json
import platform
import threading
import time

import pytest
from support.recording_server import CERTIFICATE, RecordingServer

import skyportal_client
from skyportal_client._transport.options import RequestOptions
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.model.photometry_range_query import PhotometryRangeQuery

ENVELOPE = {"status": "success", "data": [], "version": "1.4.0", "extra": "unknown keys are kept"}


def json_answer(body=ENVELOPE, status=200, headers=None):
    return lambda handler: (status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode())


@pytest.fixture
def recording():
    servers = []

    def start(answer=json_answer(), host="127.0.0.1", tls=False):
        server = RecordingServer(host, answer, tls)
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


def test_a_redirect_to_another_origin_drops_every_credential(recording):
    target = recording(host="127.0.0.2")
    origin = recording(lambda handler: (307, {"Location": f"{target.url}{handler.path}"}, b""))
    configuration = skyportal_client.Configuration(host=origin.url, token="secret-token", rate_limit=None)
    client = skyportal_client.ApiClient(configuration, header_name="X-Api-Key", header_value="key", cookie="session=s")
    client.set_default_header("Proxy-Authorization", "Basic cHJveHk6cHc=")
    assert PhotometryApi(client).api_sources_obj_id_photometry_get("ZTF21a") == ENVELOPE
    sent = origin.seen[0][2]
    assert (sent["Authorization"], sent["Cookie"], sent["X-Api-Key"]) == ("token secret-token", "session=s", "key")
    (_, path, headers, _), = target.seen
    assert path == "/api/sources/ZTF21a/photometry"
    assert not {"Authorization", "Cookie", "X-Api-Key", "Proxy-Authorization"} & set(headers)


def test_per_call_headers_go_with_that_call_only_and_never_to_another_origin(recording):
    target = recording(host="127.0.0.2")
    origin = recording(lambda handler: (307, {"Location": f"{target.url}{handler.path}"}, b"")
                       if handler.path.startswith("/moved") else json_answer()(handler))
    api = api_for(origin.url)
    api.api_sources_obj_id_photometry_get("ZTF21a", _headers={"If-None-Match": '"abc"', "Accept": "text/csv"})
    api.api_sources_obj_id_photometry_get("ZTF21a")
    (_, _, first, _), (_, _, second, _) = origin.seen
    assert (first["If-None-Match"], first["Accept"], first["Authorization"]) == ('"abc"', "text/csv", "token secret-token")
    assert "If-None-Match" not in second and second["Accept"] == "application/json"
    api.api_client.call_api(RequestOptions("GET", "/moved"), _headers={"X-Trace": "1"})
    assert origin.seen[-1][2]["X-Trace"] == "1"
    (_, path, headers, _), = target.seen
    assert path == "/moved" and "X-Trace" not in headers


@pytest.mark.parametrize("headers, error", [
    ({"If-None-Match": '"a"\r\nX-Evil: 1'}, skyportal_client.ApiValueError),
    ({"Bad:Name": "1"}, skyportal_client.ApiValueError),
    ({"": "1"}, skyportal_client.ApiValueError),
    ({"If-None-Match": 1}, skyportal_client.ApiTypeError),
    ([("If-None-Match", '"a"')], skyportal_client.ApiTypeError),
])
def test_per_call_headers_that_are_not_one_line_strings_are_refused_before_sending(recording, headers, error):
    server = recording()
    with pytest.raises(error, match="_headers"):
        api_for(server.url).api_sources_obj_id_photometry_get("ZTF21a", _headers=headers)
    assert server.seen == []


def test_a_redirect_from_https_to_http_is_not_followed(recording):
    plain = recording()
    secure = recording(lambda handler: (302, {"Location": f"{plain.url}{handler.path}"}, b""), tls=True)
    api = api_for(secure.url, ssl_ca_cert=str(CERTIFICATE))
    with pytest.raises(skyportal_client.ApiConnectionError, match="from https to plain http") as raised:
        api.api_photometry_photometry_id_get(1)
    assert raised.value.outcome is skyportal_client.Outcome.NOT_PROCESSED
    assert len(secure.seen) == 1 and plain.seen == []


POINT = {"obj_id": "ZTF21a", "instrument_id": 1, "mjd": 59000.0, "mag": 19.0, "magerr": 0.1, "filter": "ztfg",
         "magsys": "ab"}
SENDING_A_BODY = {
    "POST": lambda api: api.api_photometry_post(unknown_base_type=POINT),
    "PUT": lambda api: api.api_photometry_put(unknown_base_type=POINT),
    "PATCH": lambda api: api.api_photometry_photometry_id_patch(1, unknown_base_type=POINT),
}


@pytest.mark.parametrize("status", [301, 302, 303])
@pytest.mark.parametrize("method", sorted(SENDING_A_BODY))
def test_a_request_with_a_body_redirected_as_a_get_is_not_followed_and_names_the_host_to_set(
        recording, status, method):
    secure = recording(tls=True)
    plain = recording(lambda handler: (status, {"Location": f"{secure.url}{handler.path}"}, b""))
    with pytest.raises(skyportal_client.ApiConnectionError) as raised:
        SENDING_A_BODY[method](api_for(plain.url, ssl_ca_cert=str(CERTIFICATE)))
    error = raised.value
    assert error.outcome is skyportal_client.Outcome.NOT_PROCESSED and not error.may_have_reached_server
    assert f"Redirected ({status}) to {secure.url}/api/photometry" in str(error)
    assert f"Set host to {secure.url}. The server did not process it" in str(error)
    assert len(plain.seen) == 1 and secure.seen == []


@pytest.mark.parametrize("status", [307, 308])
def test_a_post_redirected_with_307_or_308_is_sent_again_whole_to_the_same_origin(recording, status):
    def answer(handler):
        if handler.path.startswith("/old"):
            return status, {"Location": handler.path[len("/old"):]}, b""
        return json_answer()(handler)

    server = recording(answer)
    api_for(server.url + "/old").api_photometry_post(unknown_base_type=POINT)
    (first, second) = server.seen
    assert (first[0], first[1], second[0], second[1]) == ("POST", "/old/api/photometry", "POST", "/api/photometry")
    assert json.loads(second[3]) == POINT and second[2]["Authorization"] == "token secret-token"


def test_a_401_after_a_redirect_to_another_origin_blames_the_redirect_not_the_token(recording):
    refusal = {"status": "error", "message": "HTTP 401: Unauthorized (Credentials malformed)", "version": "1.4.0"}
    target = recording(json_answer(refusal, status=401), host="127.0.0.2")
    origin = recording(lambda handler: (301, {"Location": f"{target.url}{handler.path}"}, b""))
    with pytest.raises(skyportal_client.UnauthorizedException) as raised:
        api_for(origin.url).api_photometry_photometry_id_get(1)
    hint = raised.value.hint
    assert f"redirected to {target.url}" in hint and f"set host to {target.url}" in hint
    assert "did not accept the token" not in str(raised.value)


def test_a_retry_after_longer_than_the_maximum_is_not_retried_early(recording):
    server = recording(lambda handler: (429, {"Retry-After": "120", "Content-Type": "text/html"},
                                        b"<html><title>429 Too Many Requests</title></html>"))
    with pytest.raises(skyportal_client.TooManyRequestsException) as raised:
        api_for(server.url).api_photometry_photometry_id_get(1)
    assert raised.value.attempts == 1 and len(server.seen) == 1
    assert "asked to wait 120 s (Retry-After), longer than RetryPolicy.retry_after_max (60 s): " \
           "try again after" in str(raised.value)


def test_a_retry_after_met_when_no_retry_is_left_still_says_when_to_come_back(recording):
    server = recording(lambda handler: (429, {"Retry-After": "30", "Content-Type": "text/html"},
                                        b"<html><title>429 Too Many Requests</title></html>"))
    with pytest.raises(skyportal_client.TooManyRequestsException) as raised:
        api_for(server.url, retries=0).api_photometry_photometry_id_get(1)
    assert len(server.seen) == 1
    hint = raised.value.hint
    assert hint.startswith("The server asked to wait 30 s (Retry-After): try again after ") and hint.endswith(" UTC")
    assert str(raised.value).endswith(hint)


def test_a_short_retry_after_is_waited_for_and_the_retry_kept_in_the_history(recording):
    answers = iter([(503, {"Retry-After": "0", "Content-Type": "application/json"},
                     json.dumps({"status": "error", "message": "System provisioning"}).encode())])

    def answer(handler):
        return next(answers, None) or json_answer()(handler)

    server = recording(answer)
    assert api_for(server.url).api_photometry_photometry_id_get(1) == ENVELOPE
    assert len(server.seen) == 2


def test_the_exception_keeps_the_retry_history(recording):
    server = recording(json_answer({"status": "error", "message": "System provisioning"}, status=503))
    retries = skyportal_client.RetryPolicy(total=2, backoff_base=0.01)
    with pytest.raises(skyportal_client.ServiceException) as raised:
        api_for(server.url, retries=retries).api_photometry_photometry_id_delete(1)
    assert raised.value.attempts == 3 == len(server.seen)
    assert [(event.method, event.cause) for event in raised.value.history] == [("DELETE", "503")] * 2
    assert raised.value.outcome is skyportal_client.Outcome.NOT_PROCESSED
    assert str(raised.value).endswith("[after 3 attempts]. The server did not process it")


def test_a_body_trickled_byte_by_byte_is_cut_at_the_total_deadline(recording):
    body = json.dumps(ENVELOPE).encode()

    def trickle(handler):
        def paced():
            for byte in body:
                time.sleep(0.2)
                yield bytes([byte])
        return 200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, paced()

    server = recording(trickle)
    limits = skyportal_client.Timeout(connect=1, read=1, total=1.5)  # each byte comes well within read=1
    with pytest.raises(skyportal_client.ApiTimeoutError, match=r"longer than its 1.5 s deadline") as raised:
        api_for(server.url, retries=0).api_photometry_photometry_id_get(1, _request_timeout=limits)
    assert raised.value.outcome is skyportal_client.Outcome.UNKNOWN
    assert server.sent < len(body)  # cut off, not waited out


def test_an_answer_that_is_not_the_envelope_is_an_error_not_a_success(recording):
    server = recording(json_answer({"message": "ok"}))
    with pytest.raises(skyportal_client.InvalidAnswerError, match=r"not SkyPortal's envelope: \{\"message\": \"ok\"\}"):
        api_for(server.url, retries=0).api_photometry_photometry_id_delete(1)


def test_a_post_answered_with_something_else_may_have_landed(recording):
    server = recording(json_answer({"message": "ok"}))
    with pytest.raises(skyportal_client.InvalidAnswerError) as raised:
        api_for(server.url).api_photometry_post(unknown_base_type={
            "obj_id": "ZTF21a", "instrument_id": 1, "mjd": 59000.0, "mag": 19.0, "magerr": 0.1,
            "filter": "ztfg", "magsys": "ab"})
    assert raised.value.may_have_reached_server and len(server.seen) == 1
    assert "It may have landed: re-send the same points with PUT" in str(raised.value)


def test_a_page_that_echoes_the_request_never_shows_the_token(recording):
    def echo(handler):
        lines = [handler.requestline] + [f"{name}: {value}" for name, value in handler.headers.items()]
        return 200, {"Content-Type": "text/plain", "X-Echo": handler.headers["Authorization"]}, \
            "\n".join(lines).encode()

    server = recording(echo)
    with pytest.raises(skyportal_client.InvalidAnswerError) as raised:
        api_for(server.url, retries=0).api_photometry_photometry_id_get(1)
    error = raised.value
    assert "token <token>" in error.message and "secret-token" not in str(error) + repr(error) + error.message
    assert b"secret-token" not in error.body and "secret-token" not in error.headers["X-Echo"]
