"""Whether a request that failed over TLS may have landed: decided by whether it went out, not by the error's class.

A TLS error can come while connecting (nothing was sent: safe to send again) or while
reading the answer to a request that went out whole (it may have landed). Two small
loopback servers stand for each: one that takes the request and then breaks the TLS
stream, one that accepts the TCP connection and never answers the handshake.
"""

import socket
import ssl
import threading

import pytest
from support.recording_server import CERTIFICATE, PRIVATE_KEY

import skyportal_client
from skyportal_client.api.photometry_api import PhotometryApi

TOKEN = "6f1c2d3e-0000-4000-8000-000000000000"
POINT = {"obj_id": "ZTF21a", "instrument_id": 1, "mjd": [59000.0], "mag": [18.0], "magerr": [0.1],
         "limiting_mag": 21.0, "filter": "ztfg", "magsys": "ab"}
RETRIES = skyportal_client.RetryPolicy(total=2, backoff_base=0.01, backoff_max=0.02)


class TlsBreakingServer:
    """Reads each request whole over TLS, then writes bytes that are no TLS record and hangs up,
    as a broken middlebox would. ``requests`` holds the request line of each request read."""

    def __init__(self):
        self.requests = []
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(CERTIFICATE, PRIVATE_KEY)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                raw, _ = self._listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(raw,), daemon=True).start()

    def _answer(self, raw):
        with raw:
            try:
                tls = self._context.wrap_socket(raw, server_side=True)
                reader = tls.makefile("rb")
                request_line = reader.readline().decode().strip()
                length = 0
                for line in iter(reader.readline, b"\r\n"):
                    name, _, value = line.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                reader.read(length)
                self.requests.append(request_line)
                socket.socket.send(tls, b"\x00not a TLS record")
            except (OSError, ValueError):
                pass

    def close(self):
        self._listener.close()


@pytest.fixture
def tls_breaking_server():
    server = TlsBreakingServer()
    yield server
    server.close()


@pytest.fixture
def silent_listener():
    """A socket that takes TCP connections (in its backlog) and never says a word of TLS."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=8)
    yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def api_for(url, **settings):
    configuration = skyportal_client.Configuration(host=url, token=TOKEN, rate_limit=None, retries=RETRIES,
                                                   ssl_ca_cert=str(CERTIFICATE), **settings)
    return PhotometryApi(skyportal_client.ApiClient(configuration))


def test_a_post_whose_answer_breaks_the_tls_stream_may_have_landed_and_is_not_sent_again(tls_breaking_server):
    with pytest.raises(skyportal_client.ApiConnectionError) as raised:
        api_for(tls_breaking_server.url).api_photometry_post(unknown_base_type=POINT)
    error = raised.value
    assert error.may_have_reached_server and error.outcome is skyportal_client.Outcome.UNKNOWN
    assert "It may have landed: re-send the same points with PUT" in str(error)
    assert "Nothing was sent" not in str(error) + repr(error)
    assert error.attempts == 1 and tls_breaking_server.requests == ["POST /api/photometry HTTP/1.1"]


def test_a_get_whose_answer_breaks_the_tls_stream_is_tried_again(tls_breaking_server):
    with pytest.raises(skyportal_client.ApiConnectionError) as raised:
        api_for(tls_breaking_server.url).api_photometry_photometry_id_get(1)
    assert raised.value.attempts == RETRIES.total + 1 == len(tls_breaking_server.requests)


def test_a_handshake_that_never_comes_sent_nothing_so_even_a_post_is_tried_again(silent_listener):
    with pytest.raises(skyportal_client.ApiTimeoutError) as raised:
        api_for(silent_listener, connect_timeout=0.3).api_photometry_post(unknown_base_type=POINT)
    error = raised.value
    assert error.outcome is skyportal_client.Outcome.NOT_SENT and not error.may_have_reached_server
    assert error.attempts == RETRIES.total + 1
    assert str(error).endswith("Nothing was sent")
