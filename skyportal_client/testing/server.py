"""SkyPortalTestServer: the embedded server and its controls.

The front (``front``) plays the parts of nginx and the network around the
app: the body-size limit (413), gzip, the optional rate limit (429) and the
injected faults; the app (``app``) answers like SkyPortal's tornado app.

Magnitude systems
    "ab" fully.  Others need sncosmo's bandpass zero points, which cannot be
    computed offline; supported is only ("vega", "ztfg"), whose offset the
    observed exchanges fix.  Every other (system, band) pair fails the way
    SkyPortal fails: upload 400 "Error standardizing photometry data: ...",
    single/object GET 500, range 400 "Invalid mag system." for names outside
    jla1/ab/vega/bd17/csp/ab-b12 (and 500 for a known name lacking a band).

Not emulated, and why
    - Alert-broker routes, as far as observed-exchanges-broker.md and
      SkyPortal's handlers reach: no brokers (``broker_id`` is null), filter
      definitions and autosave, scan reports or bulk candidate deletion;
      the candidate list filters on ``filterIDs``, ``groupIDs``,
      ``startDate``/``endDate`` and pages only; candidates' ``photstats``
      are empty; annotations and comments only on sources (not spectra or
      photometry), without attachments, channels or edits; classifications
      without votes beyond the author's, ``ml`` or ``origin``; re-tagging
      points with streams by PATCH; ``is_grayscale`` of RGB thumbnails
      (null: SkyPortal measures colour on the pixels); users without roles
      (a user's token carries exactly the ACLs it was made with); group
      members cannot be removed.
    - Photometric series, validations, follow-up requests, assignments,
      phase folding, super objects: nothing creates them here, so they read
      as empty lists (``individualOrSeries=series`` gives [],
      ``phaseFoldData`` is ignored); a source's own GET still lists no
      annotations or classifications.
    - Extinction and distances: no dust maps (like the observed install) and
      no cosmology, so extinction, mag_corr, flux_corr, ebv,
      luminosity_distance, dm and angular_diameter_distance are null, even
      for an object with a redshift; ``extinction_corrected`` uploads are a 400.
    - PUT ``duplicate_ignore_flux``/``overwrite_flux`` and ``refresh``
      (websocket pushes): ignored.
    - Updating telescopes, instruments and groups, deleting telescopes and
      instruments, source PATCH, instrument fields, regions, logs
      and references (a POST naming ``field_data``, ``field_region``,
      ``field_fov_type``, ``field_fov_attributes`` or ``references`` is a
      400), ``saver_per_group_id`` on a source POST (400): these reach far
      beyond photometry.  Unrouted verbs are 405; other /api paths the
      catch-all 400; non-/api paths tornado's 404 page.
    - The source list filters on ``sourceID`` (PostgreSQL's LIKE, without
      SkyPortal's TNS-name guess), ``group_ids`` and pages, sorted by the
      latest save; its other filters and sort orders are ignored.
    - Astronomical twilight (``morning``/``evening`` of a telescope) comes
      from a low-precision solar ephemeris: within about a minute of
      astroplan's, not to the millisecond.  HEALPix and galactic
      coordinates match SkyPortal's to the last digit.
    - sysinfo's git log is empty: there is no git checkout to read.
    - Messages that SkyPortal builds from a set (the registered magnitude
      systems, several unknown keys or filters, the names in source_exists)
      come in one fixed order here; the real order varies between processes.
    - Tracebacks sent as messages (duplicates, filters, database errors, the
      65 535-parameter limit) have SkyPortal's exception lines, statement
      and (truncated) parameters, but fewer frames, and one timestamp where
      SkyPortal has one per point.
    - PostgreSQL's casts are followed where the suite reaches them (text or
      booleans in float columns, NaN in JSON, numbers in ``origin``); a
      non-integral float ``instrument_id`` is truncated here, rounded there.
    - Users are the admin, those of ``create_token`` and of POST /api/user:
      no browser sessions (so a group made here never gets its creator as
      member, as with a token on SkyPortal), no expired users (403), no
      anonymous access, no 50-85 s start-up delay.  An ordinary user reads an object saved to one of its
      groups or holding photometry it can read.
    - Answers from the app carry tornado's Server header, the front's own
      answers nginx's; behind a real nginx every answer says nginx.
"""

import socket
import threading
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from .app import SkyPortalApp
from .faults import FaultPlan, RateLimiter
from .front import FrontServer
from .storage import Store

DEFAULT_MAX_BODY_SIZE = 100 * 1024 * 1024  # SkyPortal's nginx and tornado both use 100 MB
DEFAULT_ACLS = ("Upload data",)


class RequestRecord(NamedTuple):
    """One request the server saw: method, request target (path and query), the status
    answered (None when the connection was dropped) and the bytes of answer body sent, as
    they went out (gzipped when they were; 0 for a 304 or a HEAD)."""

    method: str
    path: str
    status: int | None
    body_bytes: int


class SkyPortalTestServer:
    """An in-process, SkyPortal 1.4.0-compatible photometry server.

    ``port=0`` picks a free port.  ``db_path`` keeps the data in an SQLite file
    (default: in memory), so a server can be stopped and started again on
    the same file and port and find its data and its admin token.
    ``rate_limit`` is None (off, like the tornado app itself), True for
    nginx's defaults (5 requests/s, burst 10), or a (rate, burst) pair.
    """

    def __init__(self, port: int = 0, db_path: str | None = None,
                 rate_limit: bool | tuple[float, int] | None = None, host: str = "127.0.0.1",
                 max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
        self.host = host
        self.port = port
        self.db_path = db_path
        self.max_body_size = max_body_size
        self._faults = FaultPlan()
        self._rate_limiter: RateLimiter | None = None
        if rate_limit is True:
            self.set_rate_limit()
        elif rate_limit:
            self.set_rate_limit(*rate_limit)
        self._records: list[RequestRecord] = []
        self._records_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: FrontServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._token: str | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> "SkyPortalTestServer":
        if self._httpd is not None:
            raise RuntimeError("The server is running already: stop() it before starting it again")
        self._store = Store(self.db_path)
        self._token = self._store.ensure_admin_token()
        self._stopping.clear()
        self._httpd = FrontServer((self.host, self.port), self, SkyPortalApp(self._store))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="skyportal-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections, as a crashed server would."""
        if self._httpd is None or self._thread is None or self._store is None:  # not running
            return
        self._stopping.set()  # ends trickled answers
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
        self._store = None
        self._httpd = None

    def __enter__(self) -> "SkyPortalTestServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token(self) -> str:
        """The super-admin token, from the first start() on (kept in the database
        file, so a restart on the same file has the same token)."""
        if self._token is None:
            raise RuntimeError("SkyPortalTestServer has no token before start(): start it first, "
                               "or use it in a with block")
        return self._token

    def _running_store(self) -> Store:
        if self._store is None:
            raise RuntimeError("SkyPortalTestServer is not running: start() it first, or use it in a with block")
        return self._store

    def _track_connection(self, connection: socket.socket, opened: bool) -> None:
        with self._records_lock:
            if opened:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    # -- users -------------------------------------------------------------------

    def create_token(self, acls: Iterable[str] = DEFAULT_ACLS, username: str | None = None) -> str:
        """A token for a new ordinary user (member of the public "Sitewide
        Group", with its own single-user group) carrying ``acls``, e.g.
        ["Upload data"], ["Upload data", "Delete bulk photometry"], [] (read
        only) or ["System admin"]."""
        username = username or f"testuser-{uuid.uuid4().hex[:12]}"
        return self._running_store().create_user_token(username, acls)

    def photometry_count(self) -> int:
        """How many photometry rows are stored (all users)."""
        return self._running_store().count_points()

    # -- faults and limits -------------------------------------------------------

    def inject_fault(self, kind: str, count: int = 1, methods: Iterable[str] | None = None,
                     delay: float = 0.0) -> None:
        """Apply a fault to the next ``count`` requests (only those whose method
        is in ``methods``, if given).  Faults apply in injection order, one
        per request.

        Answered by the front; the app never sees the request:

        - "status-503": baselayer's JSON 503 "System provisioning" (the app is down);
        - "status-502", "status-504", "status-413", "status-429": nginx's HTML
          page for that status (413 also closes the connection);
        - "drop-before": close the connection (FIN) without answering;
        - "reset-before": reset the connection (TCP RST, SO_LINGER 0) without answering;
        - "non-envelope-200": 200, ``Content-Type: application/json``, body
          ``{"message": "ok"}``, as a misconfigured proxy answers;
        - "html-200": 200 text/html, a small sign-in page, as a captive portal answers;
        - "echo-200": 200 text/plain echoing the request line and every
          request header, Authorization included, as a proxy's debug page does;
        - "slow": wait ``delay`` seconds, then process and answer normally.

        Processed and committed by the app first, then the answer is spoiled:

        - "drop-after": close the connection (FIN) before any byte of the answer;
        - "reset-after": reset the connection (TCP RST) before any byte of the answer;
        - "status-502-after", "status-503-after", "status-504-after": nginx's
          HTML page for that status instead of the app's answer;
        - "corrupt-200": the app's status and headers with the body cut to its
          first half and a Content-Length that matches the cut, so the client
          reads a complete message whose JSON is invalid;
        - "truncated-no-length": the app's status and headers without
          Content-Length, with ``Connection: close``, the first half of the
          body, then the connection closed;
        - "truncated-short": the app's Content-Length for the whole body,
          half of the body, then the connection closed;
        - "trickle": the app's whole answer, its body sent one byte every
          ``delay`` seconds (headers at once).

        "slow" and "trickle" need ``delay`` > 0.  Spoiled answers are never gzipped.
        """
        self._faults.inject(kind, count, methods, delay)

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_rate_limit(self, rate: float | None = 5.0, burst: int = 10) -> None:
        """Limit requests per Authorization value like SkyPortal's nginx
        (``limit_req`` burst=``burst`` nodelay); ``rate=None`` turns it off."""
        self._rate_limiter = None if rate is None else RateLimiter(rate, burst)

    def drop_query_cache(self) -> None:
        """Forget every cached source query, as SkyPortal does 6 hours after a query's last use:
        a later page sent with its queryID then searches again."""
        self._running_store().source_queries.clear()

    # -- request log -------------------------------------------------------------

    def _record(self, method: str, path: str, status: int | None, body_bytes: int) -> None:
        with self._records_lock:
            self._records.append(RequestRecord(method, path, status, body_bytes))

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot list of RequestRecord(method, path, status, body_bytes) in arrival order."""
        with self._records_lock:
            return list(self._records)

    def clear_requests(self) -> None:
        with self._records_lock:
            self._records.clear()
