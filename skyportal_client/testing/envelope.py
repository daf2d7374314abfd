"""Response bodies exactly as SkyPortal (and the nginx in front of it) sends them."""

import json
import math
from collections.abc import Iterable
from typing import Any

VERSION = "1.4.0"

SUCCESS_CONTENT_TYPE = "application/json"
ERROR_CONTENT_TYPE = "application/json; charset=UTF-8"
NGINX_SERVER = "nginx/1.22.1"
TORNADO_SERVER = "TornadoServer/6.5.7"


class ApiError(Exception):
    """An error answered with the JSON error envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Response:
    """A complete HTTP answer: status, headers and body bytes
    (``content_type`` None: no Content-Type header, as on a 304)."""

    def __init__(self, status: int, body: bytes, content_type: str | None,
                 headers: Iterable[tuple[str, str]] = ()) -> None:
        self.status = status
        self.body = body
        self.headers: list[tuple[str, str]] = [("Content-Type", content_type)] if content_type else []
        self.headers += headers


def _without_non_finite(value: Any) -> Any:
    """Replace NaN and ±Inf by None, as simplejson's ignore_nan does."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _without_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_non_finite(item) for item in value]
    return value


def success(data: Any) -> Response:
    payload = {"status": "success", "data": _without_non_finite(data), "version": VERSION}
    body = json.dumps(payload, indent=2).encode()
    return Response(200, body, SUCCESS_CONTENT_TYPE)


def error(status: int, message: str) -> Response:
    payload = {"status": "error", "message": message, "data": {}, "version": VERSION}
    return Response(status, json.dumps(payload).encode(), ERROR_CONTENT_TYPE)


def nginx_page(status: int, reason: str) -> Response:
    """nginx's built-in HTML error page (CRLF line ends, as nginx sends them)."""
    title = f"{status} {reason}"
    lines = [
        "<html>",
        f"<head><title>{title}</title></head>",
        "<body>",
        f"<center><h1>{title}</h1></center>",
        f"<hr><center>{NGINX_SERVER}</center>",
        "</body>",
        "</html>",
        "",
    ]
    return Response(status, "\r\n".join(lines).encode(), "text/html")


def system_provisioning() -> Response:
    """baselayer's status server answer while the app is down: no version key."""
    body = json.dumps({"status": "error", "message": "System provisioning"}).encode()
    return Response(503, body, ERROR_CONTENT_TYPE, [("Cache-Control", "no-store, no-cache")])
