"""Every exception the client raises, and the table that maps a status to its class.

Two families:

* ``ApiTypeError`` and ``ApiValueError``: a value the client can tell is wrong
  (wrong type, NaN, unequal columns, a missing field). Nothing was sent; fix the value.
* ``ApiException`` and its subclasses: the server answered with an error, or could
  not be reached. Each carries ``status``, the server's ``message``, the server
  ``version``, and the ``method`` and ``path`` of the request.

SkyPortal answers 400 for most errors, whatever the cause (not found, invalid,
duplicate), so read ``message`` to tell them apart.
"""

import json
import re


class OpenApiException(Exception):
    """Base of every exception this package raises."""


class ApiTypeError(OpenApiException, TypeError):
    """A value of the wrong type was passed. Nothing was sent: pass the type named in the message."""


class ApiValueError(OpenApiException, ValueError):
    """A value SkyPortal would refuse was passed. Nothing was sent: fix the value named in the message."""


class ApiException(OpenApiException):
    """The server answered with an error, or could not be reached.

    Attributes:
        status: the HTTP status (0 when no response came).
        reason: the HTTP reason phrase.
        message: the server's own message (a traceback, for some SkyPortal errors),
            or what went wrong on the way. The token is never in it.
        server_version: the SkyPortal version that answered, when it said.
        method, path: the request that failed.
        attempts: how many times it was sent. After a retry, an earlier attempt may
            have been processed: a DELETE retried after a lost answer can meet
            "Cannot find photometry point" because the first attempt deleted it.
        headers, body: the response's headers and body, when there was one.
    """

    def __init__(self, status=0, reason=None, http_resp=None, *, message=None,
                 server_version=None, method=None, path=None, attempts=1):
        self.status = status
        self.reason = reason
        self.headers = None
        self.body = None
        if http_resp is not None:
            self.status = http_resp.status
            self.reason = http_resp.reason
            self.headers = http_resp.headers
            self.body = http_resp.data
        self.message = message
        self.server_version = server_version
        self.method = method
        self.path = path
        self.attempts = attempts
        super().__init__(str(self))

    @property
    def summary(self):
        """The message's last line: the gist of a server traceback."""
        if not self.message:
            return ""
        lines = [line.strip() for line in self.message.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def __str__(self):
        if self.status:
            text = f"{self.status} {self.reason or ''}".rstrip()
        else:
            text = "No response"
        if self.method and self.path:
            text += f" on {self.method} {self.path}"
        if self.summary:
            text += f": {self.summary}"
        if self.server_version:
            text += f" (SkyPortal {self.server_version})"
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        return text


class BadRequestException(ApiException):
    """400: SkyPortal's answer to most mistakes: not found, not allowed, invalid or duplicate.

    ``message`` says which. A duplicate on POST: re-send with PUT, which returns the existing ids.
    """


class UnauthorizedException(ApiException):
    """401: the token is missing or unknown, or lacks the permission the operation needs
    ("Upload data"; "Delete bulk photometry" for bulk delete). Check the token and its ACLs."""


class ForbiddenException(ApiException):
    """403: the object does not exist or the token cannot read it (or the account has expired)."""


class NotFoundException(ApiException):
    """404: the host is not a SkyPortal server, or its URL has a wrong path. Check ``Configuration.host``."""


class MethodNotAllowedException(ApiException):
    """405: the path does not name what the operation needs (a non-numeric photometry id, say)."""


class PayloadTooLargeException(ApiException):
    """413: the request body is over the server's size limit. Send fewer points per request."""


class TooManyRequestsException(ApiException):
    """429: the server's rate limit (5 requests/s per token by default) refused the request,
    after every retry. Lower ``Configuration.rate_limit`` or allow more retries."""


class ServiceException(ApiException):
    """5xx: the server failed. SkyPortal also answers 500 to some client mistakes (an
    incomplete PATCH, an unknown format or magnitude system); ``message`` says which.
    502, 503 and 504 were retried before this was raised."""


class ApiConnectionError(ApiException):
    """No answer: the connection failed or broke.

    ``may_have_reached_server`` says whether the request may have been processed. A
    POST or PATCH that may have reached the server is not retried automatically, so
    that no point is written twice: re-send an upload with PUT, which is safe to repeat.
    """

    def __init__(self, message, *, method=None, path=None, attempts=1, may_have_reached_server=False):
        self.may_have_reached_server = may_have_reached_server
        super().__init__(message=message, method=method, path=path, attempts=attempts)


class ApiTimeoutError(ApiConnectionError):
    """The server did not answer in time (``Configuration.read_timeout``, or the call's
    ``_request_timeout``). Raise the timeout or send less per request."""


EXCEPTION_BY_STATUS = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    405: MethodNotAllowedException,
    413: PayloadTooLargeException,
    429: TooManyRequestsException,
}

_HTML_TITLE = re.compile(rb"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def exception_for_response(response, *, method, path, attempts=1, token=None):
    """The exception for an error response: its class by status, the server's message and version."""
    message, server_version = _message_and_version(response.data)
    if token and message:
        message = message.replace(token, "<token>")
    status = response.status
    cls = EXCEPTION_BY_STATUS.get(status) or (ServiceException if status >= 500 else ApiException)
    error = cls(response.status, response.reason, message=message, server_version=server_version,
                method=method, path=path, attempts=attempts)
    error.headers = response.headers
    error.body = response.data.replace(token.encode(), b"<token>") if token else response.data
    return error


def _message_and_version(body):
    """The message and version of SkyPortal's JSON envelope, or a readable line for any other body."""
    if not body:
        return None, None
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = None
    if isinstance(envelope, dict):
        message = envelope.get("message")
        return (message if message is None else str(message)), envelope.get("version")
    title = _HTML_TITLE.search(body)  # nginx error pages: 413, 429, 502, 504
    if title:
        return title.group(1).decode("utf-8", "replace").strip(), None
    return body[:200].decode("utf-8", "replace").strip(), None
