"""A loopback HTTP(S) server that answers with a test's function and records what it was sent."""

import pathlib
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent
# A self-signed certificate for 127.0.0.1, for the tests that need https.
CERTIFICATE = HERE / "loopback-cert.pem"
PRIVATE_KEY = HERE / "loopback-key.pem"


class RecordingServer:
    """Answers every request with ``answer(handler)`` and keeps (method, path, headers, body) in ``seen``.

    ``answer`` returns (status, headers, body). A body of bytes is sent with its
    Content-Length; any other iterable of bytes is sent chunk by chunk, as the test
    paces it, and ``sent`` counts the bytes that went out before the client hung up.
    """

    def __init__(self, host, answer, tls=False):
        self.seen = []
        self.sent = 0
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
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.end_headers()
                try:
                    for chunk in body:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        owner.sent += len(chunk)
                except OSError:  # the client hung up
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(CERTIFICATE, PRIVATE_KEY)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
