"""A loopback HTTP/1.1 server that answers SkyPortal photometry calls with precomputed bytes.

It exists so that the benchmark measures clients, not a server: every response
(status line, headers and body) is built once at start-up and sent with one
``sendall``; Nagle's algorithm is off so that small answers are not held back;
connections are kept alive. The query string is ignored, so clients that add
parameters of their own (format, magsys, include flags) get the same bytes.
"""

import json
import socket
import socketserver
import threading

TOKEN = "canned-bench-token"
VERSION = "1.4.0"
# The single point answered by GET /api/photometry/{id}: the tiny call.
SINGLE_POINT_PATH = "/api/photometry/1"
# Object ids whose GET /api/sources/{obj_id}/photometry answers a light curve of that many points.
LIGHT_CURVES = {"BENCH10k": 10_000, "BENCH100k": 100_000}
# POST /api/photometry reads the body and answers the ids of this many points, whatever was sent:
# client-side upload work measured without a server's work in between.
UPLOAD_ANSWER_POINTS = 10_000
FILTERS = ("ztfg", "ztfr", "ztfi")
GROUPS = [
    {"id": 2, "name": "bench-admin", "nickname": None, "single_user_group": True},
    {"id": 3, "name": "bench-group", "nickname": "bench-group", "single_user_group": False},
]


def light_curve_point(obj_id, index):
    """Point ``index`` of a light curve, with the keys, order and types SkyPortal's
    source photometry GET returns in magnitude space. Every tenth point is a
    non-detection (mag, magerr and snr null), as real light curves have many."""
    detected = index % 10 != 0
    mag = 18.0 + (index % 97) / 50.0
    return {
        "obj_id": obj_id,
        "ra": None,
        "dec": None,
        "filter": FILTERS[index % len(FILTERS)],
        "mjd": 59000.0 + index * 0.013,
        "snr": 10.0 + (index % 53) / 3.0 if detected else None,
        "instrument_id": 1,
        "instrument_name": "ZTF",
        "ra_unc": None,
        "dec_unc": None,
        "origin": "bench",
        "id": index + 1,
        "altdata": None,
        "created_at": "2026-01-02T03:04:05.%06d" % (index % 1_000_000),
        "groups": GROUPS,
        "mag": mag if detected else None,
        "magerr": 0.02 + (index % 29) / 1000.0 if detected else None,
        "magsys": "ab",
        "limiting_mag": 20.5 + (index % 7) / 10.0,
    }


def envelope_bytes(data):
    return json.dumps({"status": "success", "data": data, "version": VERSION}).encode()


def http_response(body, status="200 OK"):
    """Status line, headers and body as one bytes object, so that one write sends it."""
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: application/json; charset=UTF-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Server: TornadoServer/6.4\r\n"
        "\r\n"
    ).encode("ascii")
    return head + body


def build_responses():
    """The canned answers by (method, path without query)."""
    single = light_curve_point("BENCH10k", 0) | {"annotations": []}
    upload_answer = {"ids": list(range(1, UPLOAD_ANSWER_POINTS + 1)), "upload_id": "00000000-bench-canned-upload"}
    responses = {
        ("GET", SINGLE_POINT_PATH): http_response(envelope_bytes(single)),
        ("POST", "/api/photometry"): http_response(envelope_bytes(upload_answer)),
    }
    for obj_id, size in LIGHT_CURVES.items():
        points = [light_curve_point(obj_id, index) for index in range(size)]
        responses[("GET", f"/api/sources/{obj_id}/photometry")] = http_response(envelope_bytes(points))
    return responses


NOT_FOUND = http_response(
    json.dumps({"status": "error", "message": "The canned bench server has no such resource", "data": {}}).encode(),
    status="400 Bad Request",
)


class _Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        responses = self.server.responses
        readline, send = self.rfile.readline, self.connection.sendall
        while True:
            request_line = readline(65537)
            if not request_line:
                return  # the client closed the connection
            method, target, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            closing = False
            while True:
                header = readline(65537)
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    closing = True
            if length:
                self.rfile.read(length)
            send(responses.get((method, target.split("?", 1)[0]), NOT_FOUND))
            if closing:
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class CannedServer:
    """Serves the canned responses on 127.0.0.1 in background threads until ``close``."""

    def __init__(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.responses = build_responses()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.token = TOKEN
        self._thread = threading.Thread(target=self._server.serve_forever, name="canned-server", daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
