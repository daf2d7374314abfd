"""The embedded server's HTTP front: what nginx and the network do around the app.

It reads the request (nginx's 400 for bad framing, 413 over the body
limit), applies an injected fault or the optional rate limit, hands the
request to ``SkyPortalApp`` and sends the answer, gzipped the way SkyPortal's
nginx config does it.  Answers from the app carry tornado's Server header,
answers the front makes itself nginx's.
"""

import gzip
import socket
import struct
import time
from collections.abc import Iterable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from . import envelope
from .app import SkyPortalApp
from .base import Request
from .faults import Fault

if TYPE_CHECKING:  # the server module imports this one
    from .server import SkyPortalTestServer

# baselayer's nginx.conf: gzip on, gzip_min_length 1000, these gzip_types
# (text/html is always compressed), default gzip_http_version 1.1 and
# gzip_comp_level 1.  nginx compresses only 200, 403 and 404 answers.
GZIP_TYPES = ("text/html", "text/plain", "text/css", "application/json", "application/x-javascript",
              "application/xml", "text/javascript", "application/javascript")
GZIP_MIN_LENGTH = 1000
GZIP_STATUSES = (200, 403, 404)
GZIP_LEVEL = 1

NGINX_REASONS = {413: "Request Entity Too Large", 429: "Too Many Requests", 502: "Bad Gateway",
                 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}
# What a misconfigured proxy or a captive portal answers with a 200.
NON_ENVELOPE_BODY = b'{"message": "ok"}'
HTML_200_BODY = (b"<!DOCTYPE html>\n<html>\n<head><title>Welcome</title></head>\n"
                 b"<body><h1>Welcome</h1><p>Please sign in to continue.</p></body>\n</html>\n")


class ConnectionLost(Exception):
    """End the exchange without (the rest of) an answer: ``reset`` sends a
    TCP RST (SO_LINGER 0), otherwise the connection is closed with a FIN."""

    def __init__(self, reset: bool = False) -> None:
        super().__init__()
        self.reset = reset


class _BadRequest(Exception):
    """A request whose body cannot be read (bad length or chunk framing)."""


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether nginx would gzip for this Accept-Encoding: a "gzip" coding
    whose q is not zero."""
    for coding in (accept_encoding or "").split(","):
        name, *parameters = (part.strip() for part in coding.split(";"))
        if name.lower() != "gzip":
            continue
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def _header(response: envelope.Response, name: str) -> str | None:
    return next((value for key, value in response.headers if key.lower() == name.lower()), None)


def should_gzip(request_version: str, method: str, accept_encoding: str | None, response: envelope.Response) -> bool:
    content_type = (_header(response, "Content-Type") or "").split(";")[0].strip().lower()
    return (request_version == "HTTP/1.1" and method != "HEAD" and accepts_gzip(accept_encoding)
            and response.status in GZIP_STATUSES and content_type in GZIP_TYPES
            and len(response.body) >= GZIP_MIN_LENGTH)


def echo_page(request_line: str, headers: Message) -> bytes:
    """A proxy debug page: the request line and every header, as received."""
    lines = [request_line, *(f"{name}: {value}" for name, value in headers.items()), ""]
    return "\n".join(lines).encode("utf-8", "replace")


class FrontHandler(BaseHTTPRequestHandler):
    """One connection: parses requests and answers them, as nginx in front
    of SkyPortal's tornado app would."""

    protocol_version = "HTTP/1.1"
    server_version = envelope.TORNADO_SERVER
    sys_version = ""
    server: "FrontServer"
    _recorded: bool  # whether this request is in the server's log yet (set per request)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without this, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track_connection(self.connection, opened=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:  # the connection was reset on purpose
            pass
        self.server.owner._track_connection(self.connection, opened=False)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    # -- reading ---------------------------------------------------------------

    def _read_body(self, limit: int) -> bytes | None:
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

    def _read_chunked(self, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
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

    # -- writing ---------------------------------------------------------------

    def _record(self, status: int | None, body_bytes: int = 0) -> None:
        """Log the request once, before its answer goes out: a client that
        has its answer can rely on the log holding it."""
        if not self._recorded:
            self._recorded = True
            self.server.owner._record(self.command, self.path, status, body_bytes)

    def _send_head(self, response: envelope.Response, server_header: str, length: int | None = None,
                   extra: Iterable[tuple[str, str]] = (), body_bytes: int | None = None) -> None:
        """Status line and headers; Content-Length is ``length`` (None: none).
        ``body_bytes``: the body bytes that will follow, when not ``length``."""
        self._record(response.status, (length or 0) if body_bytes is None else body_bytes)
        self.send_response_only(response.status)
        self.send_header("Server", server_header)
        self.send_header("Date", self.date_time_string())
        for name, value in (*response.headers, *extra):
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if self.close_connection:  # tell the client not to reuse this connection
            self.send_header("Connection", "close")
        self.end_headers()

    def _send(self, response: envelope.Response, server_header: str) -> None:
        """The whole answer; gzipped, chunked and with a weak Etag when nginx would."""
        if should_gzip(self.request_version, self.command, self.headers.get("Accept-Encoding"), response):
            packed = gzip.compress(response.body, compresslevel=GZIP_LEVEL)
            headers = [(name, f"W/{value}" if name == "Etag" and value.startswith('"') else value)
                       for name, value in response.headers]
            response = envelope.Response(response.status, packed, None, headers)
            self._send_head(response, server_header, extra=(("Content-Encoding", "gzip"),
                                                            ("Transfer-Encoding", "chunked")),
                            body_bytes=len(packed))
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed))
            return
        # tornado sends no Content-Length on a 304 (nor on a 204 or a 1xx).
        no_length = response.status in (204, 304) or response.status < 200
        self._send_head(response, server_header, None if no_length else len(response.body),
                        body_bytes=0 if self.command == "HEAD" else len(response.body))
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _lose_connection(self, reset: bool) -> None:
        self.close_connection = True
        if reset:
            # Closing with a zero linger time makes the kernel send RST, not FIN;
            # rfile holds a reference to the socket, so it goes first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
        else:
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_spoiled(self, fault: Fault, response: envelope.Response) -> None:
        """The app's answer, spoiled in transit as ``fault`` says."""
        owner = self.server.owner
        body = b"" if self.command == "HEAD" else response.body
        half = body[:len(body) // 2]
        if fault.kind == "corrupt-200":
            self._send_head(response, envelope.TORNADO_SERVER, len(half))
            self.wfile.write(half)
        elif fault.kind == "truncated-no-length":
            self.close_connection = True
            self._send_head(response, envelope.TORNADO_SERVER, body_bytes=len(half))
            self.wfile.write(half)
            raise ConnectionLost()
        elif fault.kind == "truncated-short":
            self._send_head(response, envelope.TORNADO_SERVER, len(body), body_bytes=len(half))
            self.wfile.write(half)
            raise ConnectionLost()
        else:  # trickle
            self._send_head(response, envelope.TORNADO_SERVER, len(body))
            for index in range(len(body)):
                if owner._stopping.wait(fault.delay):
                    raise ConnectionLost()
                self.wfile.write(body[index:index + 1])

    # -- one exchange ------------------------------------------------------------

    def _before_app(self, fault: Fault | None) -> envelope.Response | None:
        """The answer the front gives instead of the app, or None."""
        if fault is None:
            return None
        kind = fault.kind
        if kind in ("drop-before", "reset-before"):
            raise ConnectionLost(reset=kind == "reset-before")
        if kind == "slow":
            time.sleep(fault.delay)
        if kind == "status-503":
            return envelope.system_provisioning()
        if kind in ("status-413", "status-429", "status-502", "status-504"):
            status = int(kind.split("-")[1])
            if status == 413:
                self.close_connection = True
            return envelope.nginx_page(status, NGINX_REASONS[status])
        if kind == "non-envelope-200":
            return envelope.Response(200, NON_ENVELOPE_BODY, "application/json")
        if kind == "html-200":
            return envelope.Response(200, HTML_200_BODY, "text/html")
        if kind == "echo-200":
            return envelope.Response(200, echo_page(self.requestline, self.headers), "text/plain")
        return None

    def _exchange(self) -> None:
        """Serve one request."""
        owner = self.server.owner
        try:
            body = self._read_body(owner.max_body_size)
        except _BadRequest:
            self.close_connection = True
            self._send(envelope.nginx_page(400, "Bad Request"), envelope.NGINX_SERVER)
            return
        if body is None:
            self.close_connection = True
            self._send(envelope.nginx_page(413, NGINX_REASONS[413]), envelope.NGINX_SERVER)
            return
        fault = owner._faults.take(self.command)
        answer = self._before_app(fault)
        if answer is None and owner._rate_limiter is not None \
                and not owner._rate_limiter.allow(self.headers.get("Authorization", "")):
            answer = envelope.nginx_page(429, NGINX_REASONS[429])
        if answer is not None:
            self._send(answer, envelope.NGINX_SERVER)
            return
        response = self.server.app.handle(Request(self.command, self.path, self.headers, body))
        kind = fault.kind if fault else None
        if kind in ("drop-after", "reset-after"):
            raise ConnectionLost(reset=kind == "reset-after")
        if kind in ("status-502-after", "status-503-after", "status-504-after"):
            status = int(kind.split("-")[1])
            self._send(envelope.nginx_page(status, NGINX_REASONS[status]), envelope.NGINX_SERVER)
        elif fault is not None and kind in ("corrupt-200", "truncated-no-length", "truncated-short", "trickle"):
            self._send_spoiled(fault, response)
        else:
            self._send(response, envelope.TORNADO_SERVER)

    def _serve(self) -> None:
        self._recorded = False
        try:
            self._exchange()
        except ConnectionLost as lost:
            self._record(None)  # when no status line went out
            self._lose_connection(lost.reset)
        except OSError:  # the client went away mid-answer
            self._record(None)
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: "SkyPortalTestServer", app: SkyPortalApp) -> None:
        self.owner = owner
        self.app = app
        super().__init__(address, FrontHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up mid-answer are normal in fault tests; stay quiet."""

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        try:
            super().shutdown_request(request)
        except OSError:  # already closed by a reset
            pass
