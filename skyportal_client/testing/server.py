"""SkyPortalTestServer: the embedded server's HTTP front and its controls.

The front plays the parts of nginx and the network around the app: it
enforces the body-size limit (413), the optional rate limit (429) and the
injected faults, then hands the request to ``SkyPortalApp``.

Magnitude systems
    "ab" fully.  Others need sncosmo's bandpass zero points, which cannot be
    computed offline; supported is only ("vega", "ztfg"), whose offset the
    observed exchanges fix.  Every other (system, band) pair fails the way
    SkyPortal fails: upload 400 "Error standardizing photometry data: ...",
    single/object GET 500, range 400 "Invalid mag system." for names outside
    jla1/ab/vega/bd17/csp/ab-b12 (and 500 for a known name lacking a band).

Not emulated, and why
    - Streams: no stream exists, so any non-empty ``stream_ids`` is a 400.
    - Photometric series, annotations, validations, phase folding, super
      objects: nothing to return (``individualOrSeries=series`` gives [],
      include flags add empty lists; ``phaseFoldData`` is ignored).
    - Extinction: no dust maps (like the observed install): extinction,
      mag_corr and flux_corr are null; ``extinction_corrected`` uploads 400.
    - PUT ``duplicate_ignore_flux``/``overwrite_flux`` and ``refresh``
      (websocket pushes): ignored.
    - Other resources' GET/PUT/DELETE (telescopes, groups, sources...): 405;
      non-/api paths: tornado's 404 page.
    - Per-row type error wording from marshmallow/pandas was not recorded;
      those 400s keep SkyPortal's "Invalid input format" prefix.
    - The traceback texts in duplicate/filter errors are shaped like the
      recorded ones (same last line) but the frames are synthetic.
    - Only a common subset of sncosmo's bandpass names is allowed (see
      ``bandpasses``).
    - Expired users (403), anonymous access, the 50-85 s start-up delay.
"""

import socket
import threading
import time
import uuid
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import envelope
from .app import SkyPortalApp
from .base import Request
from .faults import FaultPlan, RateLimiter
from .storage import Store

DEFAULT_MAX_BODY_SIZE = 100 * 1024 * 1024  # SkyPortal's nginx and tornado both use 100 MB
DEFAULT_ACLS = ("Upload data",)

RequestRecord = namedtuple("RequestRecord", "method path status")
RequestRecord.__doc__ = """One request the server saw: method, request target
(path and query) and the status answered, None when the connection was dropped."""


class _ConnectionDropped(Exception):
    """Close the connection without answering."""


class _BadRequest(Exception):
    """A request whose body cannot be read (bad length or chunk framing)."""


class _HTTPHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = envelope.TORNADO_SERVER
    sys_version = ""

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes; without this, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track_connection(self.connection, opened=True)

    def finish(self):
        super().finish()
        self.server.owner._track_connection(self.connection, opened=False)

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _read_body(self, limit):
        """The request body, or None when it is larger than ``limit`` (the
        excess is drained so the client can read the 413)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        try:
            length = int(self.headers.get("Content-Length", 0))
        except ValueError:
            raise _BadRequest() from None
        if length < 0:
            raise _BadRequest()
        if length > limit:
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 20))
                if not chunk:
                    break
                length -= len(chunk)
            return None
        return self.rfile.read(length)

    def _read_chunked(self, limit):
        chunks, size = [], 0
        while True:
            try:
                chunk_size = int(self.rfile.readline().split(b";")[0], 16)
            except ValueError:
                raise _BadRequest() from None
            if chunk_size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks) if size <= limit else None
            size += chunk_size
            data = self.rfile.read(chunk_size)
            if size <= limit:
                chunks.append(data)
            self.rfile.readline()

    def _send(self, response, server_header=envelope.TORNADO_SERVER):
        self.send_response_only(response.status)
        self.send_header("Server", server_header)
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:  # tell the client not to reuse this connection
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _answer(self):
        owner = self.server.owner
        try:
            body = self._read_body(owner.max_body_size)
        except _BadRequest:
            self.close_connection = True
            return envelope.nginx_page(400, "Bad Request"), envelope.NGINX_SERVER
        if body is None:
            self.close_connection = True
            return envelope.nginx_page(413, "Request Entity Too Large"), envelope.NGINX_SERVER
        fault = owner._faults.take(self.command)
        kind = fault.kind if fault else None
        if kind == "drop-before":
            raise _ConnectionDropped()
        if kind == "slow":
            time.sleep(fault.delay)
        if kind == "status-503":
            return envelope.system_provisioning(), envelope.NGINX_SERVER
        if kind in ("status-502", "status-429"):
            status, reason = (502, "Bad Gateway") if kind == "status-502" else (429, "Too Many Requests")
            return envelope.nginx_page(status, reason), envelope.NGINX_SERVER
        limiter = owner._rate_limiter
        if limiter is not None and not limiter.allow(self.headers.get("Authorization", "")):
            return envelope.nginx_page(429, "Too Many Requests"), envelope.NGINX_SERVER
        request = Request(self.command, self.path, self.headers, body)
        response = owner._app.handle(request)
        if kind == "drop-after":
            raise _ConnectionDropped()
        return response, envelope.TORNADO_SERVER

    def _serve(self):
        owner = self.server.owner
        try:
            response, server_header = self._answer()
        except _ConnectionDropped:
            owner._record(self.command, self.path, None)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        owner._record(self.command, self.path, response.status)
        self._send(response, server_header)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, owner):
        self.owner = owner
        super().__init__(address, _HTTPHandler)

    def handle_error(self, request, client_address):
        """Clients that hang up mid-answer are normal in fault tests; stay quiet."""


class SkyPortalTestServer:
    """An in-process, SkyPortal 1.4.0-compatible photometry server.

    ``port=0`` picks a free port.  ``db_path`` keeps the data in an SQLite file
    (default: in memory), so a server can be stopped and started again on
    the same file and port and find its data and its admin token.
    ``rate_limit`` is None (off, like the tornado app itself), True for
    nginx's defaults (5 requests/s, burst 10), or a (rate, burst) pair.
    """

    def __init__(self, port=0, db_path=None, rate_limit=None, host="127.0.0.1",
                 max_body_size=DEFAULT_MAX_BODY_SIZE):
        self.host = host
        self.port = port
        self.db_path = db_path
        self.max_body_size = max_body_size
        self._faults = FaultPlan()
        self._rate_limiter = None
        if rate_limit is True:
            self.set_rate_limit()
        elif rate_limit:
            self.set_rate_limit(*rate_limit)
        self._records = []
        self._records_lock = threading.Lock()
        self._connections = set()
        self._httpd = None
        self._thread = None
        self._store = None
        self._app = None
        self.token = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self):
        self._store = Store(self.db_path)
        self.token = self._store.ensure_admin_token()
        self._app = SkyPortalApp(self._store)
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="skyportal-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop listening and cut open connections, as a crashed server would."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._records_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join()
        self._store.close()
        self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def _track_connection(self, connection, opened):
        with self._records_lock:
            if opened:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    # -- users -------------------------------------------------------------------

    def create_token(self, acls=DEFAULT_ACLS, username=None):
        """A token for a new ordinary user (member of the public "Sitewide
        Group", with its own single-user group) carrying ``acls``, e.g.
        ["Upload data"], ["Upload data", "Delete bulk photometry"], [] (read
        only) or ["System admin"]."""
        username = username or f"testuser-{uuid.uuid4().hex[:12]}"
        return self._store.create_user_token(username, acls)

    def photometry_count(self):
        """How many photometry rows are stored (all users)."""
        return self._store.count_points()

    # -- faults and limits -------------------------------------------------------

    def inject_fault(self, kind, count=1, methods=None, delay=0.0):
        """Apply a fault to the next ``count`` requests (only those whose method
        is in ``methods``, if given).  Kinds:

        - "status-503": baselayer's JSON 503 "System provisioning";
        - "status-502": nginx's HTML 502 Bad Gateway;
        - "status-429": nginx's HTML 429, as if rate limited;
        - "drop-before": close the connection without processing the request;
        - "drop-after": process and commit the request, then close the
          connection before sending any byte of the answer (a lost response);
        - "slow": sleep ``delay`` seconds, then process and answer normally.

        Faults apply in injection order, one per request.
        """
        self._faults.inject(kind, count, methods, delay)

    def clear_faults(self):
        self._faults.clear()

    def set_rate_limit(self, rate=5.0, burst=10):
        """Limit requests per Authorization value like SkyPortal's nginx
        (``limit_req`` burst=``burst`` nodelay); ``rate=None`` turns it off."""
        self._rate_limiter = None if rate is None else RateLimiter(rate, burst)

    # -- request log -------------------------------------------------------------

    def _record(self, method, path, status):
        with self._records_lock:
            self._records.append(RequestRecord(method, path, status))

    @property
    def requests(self):
        """A snapshot list of RequestRecord(method, path, status) in arrival order."""
        with self._records_lock:
            return list(self._records)

    def clear_requests(self):
        with self._records_lock:
            self._records.clear()
