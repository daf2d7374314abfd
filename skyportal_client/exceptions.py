"""Every exception the client raises, the table that maps a status to its class, and the messages.

Two families:

* ``ApiTypeError`` and ``ApiValueError``: a value the client can tell is wrong
  (wrong type, NaN, unequal columns, a missing field). Nothing was sent; fix the value.
  ``NameLookupError``, an ApiValueError, comes after a lookup on the server: a name that
  names nothing (or more than one thing) there. Nothing was written.
* ``ApiException`` and its subclasses: the server answered with an error, answered
  with something that is not SkyPortal's answer, or could not be reached. Each
  carries ``status``, the server's ``message`` and ``version``, the ``method`` and
  ``path`` of the request, and ``outcome``: whether the request may have changed
  anything on the server (see ``skyportal_client._transport.outcome``).

SkyPortal answers 400 for most errors, whatever the cause (not found, invalid,
duplicate), so read ``message`` to tell them apart. The token is never part of
an exception: it is replaced by ``<token>`` wherever the server's bytes carry it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, TextIO, Tuple, Union

from skyportal_client._models.problems import Problem, report, write_csv
from skyportal_client._transport.outcome import Outcome

if TYPE_CHECKING:
    from skyportal_client._uploads.rollback import RollbackResult


class OpenApiException(Exception):
    """Base of every exception this package raises.

    Every one survives pickling with its message and attributes, so that it crosses
    process pools, multiprocessing and Dask as it was raised.
    """

    def __reduce__(self) -> Tuple[Any, ...]:
        # The default rebuilds by calling the class with ``args`` (the message), which the
        # classes whose __init__ takes other arguments (problems, kind=, name=) refuse.
        return _rebuilt, (type(self), self.args), self.__dict__


def _rebuilt(cls: "type[BaseException]", args: Tuple[Any, ...]) -> BaseException:
    """An exception of ``cls`` with ``args``, its __init__ not called: unpickling sets its attributes."""
    error = cls.__new__(cls)
    error.args = args
    return error


class ApiTypeError(OpenApiException, TypeError):
    """A value of the wrong type was passed. Nothing was sent: pass the type named in the message.

    ``problems`` lists each value found wrong in a model or table (``problems.Problem``).
    """

    problems: Sequence[Problem] = ()


class ApiValueError(OpenApiException, ValueError):
    """A value SkyPortal would refuse was passed. Nothing was sent: fix the value named in the message.

    ``problems`` lists each value found wrong in a model or table (``problems.Problem``).
    """

    problems: Sequence[Problem] = ()


class NameLookupError(ApiValueError, LookupError):
    """A name (of an instrument, telescope or group) that names nothing the token can use on
    the server, or more than one thing. Nothing was written; the message lists what the name
    may have meant. Pass the exact name, or the id.

    Attributes:
        kind: what was looked up ("instrument", "telescope", "group").
        name: the name given.
        candidates: (name, id) of what it may have meant, closest first.
    """

    def __init__(self, message: str, *, kind: str, name: str, candidates: Tuple[Tuple[str, int], ...] = ()):
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.candidates = candidates


# The shortest token taken out of what the server sent wherever it stands (see ErrorContext.redact).
MIN_REDACTED_LENGTH = 8


@dataclasses.dataclass(frozen=True)
class ErrorContext:
    """What the client knows of a call that an error message can use.

    ``token`` is only used to take it out of what the server sent (and is not in the
    repr); ``token_prefix`` is what the client sends before it in the header
    ("token "). ``host_source`` and ``token_source`` say where the settings came from
    ("the host= argument", "$SKYPORTAL_URL"), so that a message can say what to check.
    ``if_unknown`` is the operation's advice for when the request may have landed.
    """

    host: str = ""
    host_source: str = ""
    token: Optional[str] = dataclasses.field(default=None, repr=False)
    token_source: str = ""
    if_unknown: str = ""
    token_prefix: str = "token "

    def redact(self, text: str) -> str:
        token = self.token
        if not token:
            return text
        if len(token) >= MIN_REDACTED_LENGTH:
            return text.replace(token, "<token>")
        return re.sub(self._sent_short_token(), r"\g<prefix><token>", text)

    def redact_bytes(self, data: bytes) -> bytes:
        token = self.token
        if not token:
            return data
        if len(token) >= MIN_REDACTED_LENGTH:
            return data.replace(token.encode(), b"<token>")
        return re.sub(self._sent_short_token().encode(), rb"\g<prefix><token>", data)

    def _sent_short_token(self) -> str:
        # SkyPortal's tokens are UUIDs. A value of a few characters is taken out only where the
        # client sent it, after its prefix, as a whole word: taken out everywhere, it would
        # garble every word that holds it.
        word = r"[\w.~+/=-]"
        return rf"(?i)(?<!{word})(?P<prefix>{re.escape(self.token_prefix)}){re.escape(self.token or '')}(?!{word})"


class QueryCacheLostError(OpenApiException):
    """A walk over the pages of a list lost SkyPortal's query cache part way (an entry lasts
    6 hours after its last use, and a server may drop it sooner), while the list had changed:
    the later pages would no longer follow the earlier ones, so the walk stops rather than
    skip or repeat items. What was yielded is right; start the walk again for the rest."""


class ApiException(OpenApiException):
    """The server answered with an error, or no usable answer came.

    Attributes:
        status: the HTTP status (0 when no answer came).
        reason: the HTTP reason phrase.
        message: the server's own message (a whole traceback, for some SkyPortal
            errors), or what went wrong on the way.
        server_version: the SkyPortal version that answered, when it said.
        method, path: the request that failed.
        attempts: how many times it was sent; ``history`` lists the retries (RetryEvent).
        outcome: an ``Outcome``: NOT_SENT or NOT_PROCESSED (the server did not act on
            it), REFUSED (SkyPortal answered with an error: nothing was written) or
            UNKNOWN (it may have landed).
        hint: what to do about it, when the client can tell.
        headers, body: the answer's headers and body, when there was one.
    """

    def __init__(self, status: int = 0, reason: Optional[str] = None, *, message: Optional[str] = None,
                 server_version: Optional[str] = None, method: Optional[str] = None, path: Optional[str] = None,
                 attempts: int = 1, history: Tuple[Any, ...] = (), outcome: Outcome = Outcome.REFUSED,
                 hint: str = "", headers: Optional[Mapping[str, str]] = None, body: Optional[bytes] = None):
        self.status = status
        self.reason = reason
        self.message = message
        self.server_version = server_version
        self.method = method
        self.path = path
        self.attempts = attempts
        self.history = history
        self.outcome = outcome
        self.hint = hint
        self.headers = headers
        self.body = body
        super().__init__(str(self))

    def restate(self, outcome: Outcome, hint: str) -> None:
        """Say again what came of the request, when more is known than where the exception was
        made (an earlier attempt may have landed): its ``outcome``, the ``hint``, and so the
        message, kept in ``args`` too, so that str() and repr() agree."""
        self.outcome = outcome
        self.hint = hint
        self.args = (str(self),)

    @property
    def may_have_reached_server(self) -> bool:
        """True when the request may have been processed: it may have landed."""
        return self.outcome is Outcome.UNKNOWN

    @property
    def summary(self) -> str:
        """The line of ``message`` that says what happened: the exception of a server
        traceback (not the frames or SQLAlchemy's link), a page's title, or the text
        itself, cut to a readable length."""
        return meaningful_line(self.message or "")

    def __str__(self) -> str:
        text = f"{self.status} {self.reason or ''}".rstrip() if self.status else "No answer"
        if self.method and self.path:
            text += f" on {self.method} {self.path}"
        if self.summary:
            text += f": {self.summary}"
        if self.server_version:
            text += f" (SkyPortal {self.server_version})"
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        if self.outcome is Outcome.UNKNOWN and self.method not in ("GET", "HEAD"):
            # The hint is then the operation's advice, which reads on from the sentence.
            return text + (f". It may have landed: {self.hint}" if self.hint else ". It may have landed")
        if self.method not in ("GET", "HEAD"):
            text += f". {_OUTCOME_SENTENCES[self.outcome]}"
        if self.hint:
            text += f". {self.hint}"
        return text


_OUTCOME_SENTENCES = {
    Outcome.NOT_SENT: "Nothing was sent",
    Outcome.NOT_PROCESSED: "The server did not process it",
    Outcome.REFUSED: "Nothing was changed",
}


class BadRequestException(ApiException):
    """400: SkyPortal's answer to most mistakes: not found, not allowed, invalid or duplicate.

    ``message`` says which. A duplicate on POST: re-send with PUT, which returns the existing ids.
    """


class UnauthorizedException(ApiException):
    """401: the token is missing or unknown, or lacks the permission the operation needs
    ("Upload data"; "Delete bulk photometry" for bulk delete). Check the token and its ACLs."""


class ForbiddenException(ApiException):
    """403: the object does not exist or none of the token's groups can read it (or the
    account has expired)."""


class NotFoundException(ApiException):
    """404: the host is not a SkyPortal server, or its URL has a wrong path. Check ``Configuration.host``.
    (SkyPortal itself answers 404 only for a source that does not exist.)"""


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
    After a 502 or 504 from a gateway the request may have landed (``outcome``)."""


class InvalidAnswerError(ApiException):
    """A 2xx answer that is not SkyPortal's: not JSON, cut off, or JSON without SkyPortal's
    envelope (a proxy's or captive portal's page, say). ``message`` shows what came back;
    the request may have landed."""


class ApiConnectionError(ApiException):
    """No answer: the connection failed, broke, or was redirected where the client does not follow.

    ``outcome`` says whether the request may have been processed: NOT_SENT when no byte
    of it went out (the connection or its TLS handshake failed); UNKNOWN when the connection
    broke, or the answer timed out, once it had started going out (or an earlier attempt
    may have landed); NOT_PROCESSED for a redirect that is not followed (the server that
    sent it did not act on the request).
    """

    def __init__(self, message: str, *, method: Optional[str] = None, path: Optional[str] = None,
                 attempts: int = 1, history: Tuple[Any, ...] = (), outcome: Outcome = Outcome.NOT_SENT,
                 hint: str = ""):
        super().__init__(message=message, method=method, path=path, attempts=attempts, history=history,
                         outcome=outcome, hint=hint)


class ApiTimeoutError(ApiConnectionError):
    """The server did not answer in time: a read took longer than ``read_timeout``, or the
    whole attempt longer than ``total_timeout`` (or the call's ``_request_timeout``)."""


EXCEPTION_BY_STATUS = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    405: MethodNotAllowedException,
    413: PayloadTooLargeException,
    429: TooManyRequestsException,
}

_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# Lines of a server traceback that are never its gist: SQLAlchemy's statement, parameters and link.
_TRACEBACK_NOISE = ("[SQL:", "[parameters:", "(Background on this error at:", "HINT:")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Violation|Warning)(?::|$)")
SUMMARY_LENGTH = 300
# SkyPortal's refusal of a PATCH echoes the whole point before each of its reasons: "Tried to parse
# {'obj_id': ..., 'dec_unc': None} as PhotometryFlux, got: ...". The echo is left out of the summary,
# which would otherwise end before the reasons.
_ECHOED_POINT = re.compile(r"Tried to parse \{.*?\} as (?=Photometry)")


def meaningful_line(text: str) -> str:
    """The line of a message that says what happened, at most SUMMARY_LENGTH characters."""
    title = _HTML_TITLE.search(text)
    if title:
        return _shorten(" ".join(title.group(1).split()))
    lines = [line.strip() for line in text.strip().splitlines()]
    if "Traceback (most recent call last):" in lines:
        kept = []
        for line in lines:
            if line.startswith(_TRACEBACK_NOISE):
                break  # the statement and its parameters (megabytes of them) follow
            kept.append(line)
        raised = [line for line in kept if _EXCEPTION_LINE.match(line)]
        if raised:
            return _shorten(raised[-1])
    explained = _database_error(text)
    if explained:
        return _shorten(explained)
    return _shorten(_ECHOED_POINT.sub("Tried to parse {…} as ", " ".join(text.split())))


# SkyPortal passes on some database errors as they are (a 500, or a 400 after its own words):
# "(psycopg.errors.ForeignKeyViolation) ...\nDETAIL:  Key (stream_id)=(4) is not present in table
# "streams".\n[SQL: ...". Each kind is said in the words of the request instead.
_DATABASE_ERROR = re.compile(r"^(?P<before>.*?)\(psycopg\.errors\.(?P<kind>\w+)\) (?P<text>[^\n]*)", re.S)
_MISSING_KEY = re.compile(r'Key \((?P<column>\w+)\)=\((?P<value>[^)]*)\) is not present in table "(?P<table>\w+)"')
_TAKEN_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*?)\) already exists")
_BAD_TEXT = re.compile(r'invalid input syntax for type (?P<type>\w+): "(?P<value>[^"]*)"')


def _database_error(text: str) -> str:
    """One line saying what a database error passed on by SkyPortal means ("unknown stream id 4"), or ""."""
    error = _DATABASE_ERROR.match(text)
    if not error:
        return ""
    missing, taken, bad = _MISSING_KEY.search(text), _TAKEN_KEY.search(text), _BAD_TEXT.search(text)
    if error["kind"] == "ForeignKeyViolation" and missing:
        meaning = f"unknown {missing['table'].rstrip('s')} id {missing['value']}"
    elif error["kind"] == "UniqueViolation" and taken:
        meaning = f"{taken['columns']} ({taken['values']}) is taken already"
    elif error["kind"] == "InvalidTextRepresentation" and bad:
        meaning = f"{bad['value']!r} is not a valid {bad['type']} (a whole number)" if "int" in bad["type"] \
            else f"{bad['value']!r} is not a valid {bad['type']}"
    else:
        meaning = error["text"].strip()
    return f"{error['before']}{meaning} (SkyPortal's database refused it: {error['kind']})"


def _shorten(text: str) -> str:
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH - 1] + "…"


def error_for_answer(status: int, reason: Optional[str], headers: Mapping[str, str], body: bytes, *,
                     method: str, path: str, outcome: Outcome, context: ErrorContext, attempts: int = 1,
                     history: Tuple[Any, ...] = (), envelope: Any = None) -> ApiException:
    """The exception for an answer with an error status: its class by status, the server's
    message and version, what may have happened, and what to do.

    ``envelope`` is the body's JSON value when the caller has decoded it already.
    """
    if envelope is None:
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            envelope = None
    if isinstance(envelope, dict):
        message = envelope.get("message")
        message = None if message is None else context.redact(str(message))
        server_version = envelope.get("version")
    else:
        # A proxy's page or other text: its title, or the text in one line, is the message.
        message = _body_line(body, context) or None
        server_version = None
    cls = EXCEPTION_BY_STATUS.get(status) or (ServiceException if status >= 500 else ApiException)
    return cls(status, reason, message=message, server_version=server_version, method=method, path=path,
               attempts=attempts, history=history, outcome=outcome,
               hint=_hint(status, message or "", outcome, context), headers=_redacted_headers(headers, context),
               body=context.redact_bytes(body))


def invalid_answer(status: int, reason: Optional[str], headers: Mapping[str, str], body: bytes, problem: str, *,
                   method: str, path: str, context: ErrorContext, attempts: int = 1,
                   history: Tuple[Any, ...] = ()) -> InvalidAnswerError:
    """The exception for a 2xx answer that is not SkyPortal's envelope; ``problem`` says how."""
    shown = _body_line(body, context) or "an empty body"
    return InvalidAnswerError(status, reason, message=f"{problem}: {shown}", method=method, path=path,
                              attempts=attempts, history=history, outcome=Outcome.UNKNOWN,
                              hint=context.if_unknown if method not in ("GET", "HEAD") else "",
                              headers=_redacted_headers(headers, context), body=context.redact_bytes(body))


def _body_line(body: bytes, context: ErrorContext) -> str:
    """The meaningful line of a body that is not SkyPortal's envelope (a proxy's page, say), token taken out."""
    return meaningful_line(context.redact(body[:4096].decode("utf-8", "replace")))


def _redacted_headers(headers: Mapping[str, str], context: ErrorContext) -> dict:
    return {name: context.redact(value) for name, value in headers.items()}


_OBJ_READ_REFUSED = re.compile(r"Insufficient permissions for User .* to read Obj (\S+)")


def _hint(status: int, message: str, outcome: Outcome, context: ErrorContext) -> str:
    """What to do about an error answer, when the client can tell."""
    if outcome is Outcome.UNKNOWN:
        return context.if_unknown
    if status == 401:
        where = f" (it came from {context.token_source})" if context.token_source else ""
        if "Credentials malformed" in message and not context.token:
            return ("No token was sent: pass Configuration(token=...) or set $SKYPORTAL_TOKEN "
                    "to the token on your SkyPortal profile page")
        page = f"{context.host}/profile" if context.host else "on the server"
        return (f"SkyPortal did not accept the token{where}: check it against your profile page ({page}), "
                "and that it has the permission this operation needs")
    if status == 403:
        refused = _OBJ_READ_REFUSED.search(message)
        if refused:
            return (f"Object {refused.group(1)} does not exist on this server, or none of the token's groups "
                    "can see it: check the id, or ask for access to a group that has it")
    if "Invalid API endpoint" in message and context.host.rstrip("/").endswith("/api"):
        given = context.host.rstrip("/")
        return (f"The host {given} ({context.host_source}) ends in /api, which the client puts before every path "
                f"itself: pass {given[:-len('/api')]}")
    if status == 404 and not message.startswith("Source not found"):
        return f"Check the host: {context.host} ({context.host_source}) may not be a SkyPortal server"
    return ""


def connection_refused_hint(context: ErrorContext) -> str:
    """What to say when nothing answers at the configured host: what to check depends on where it came from."""
    checked = f"Check the host {context.host} (from {context.host_source})"
    if context.host_source == "$SKYPORTAL_URL":
        return f"{checked}: is the server running there, and is $SKYPORTAL_URL right?"
    if context.host_source == "the default host":
        return (f"{checked}: no host was given and $SKYPORTAL_URL is not set; for another server pass host= "
                "or set $SKYPORTAL_URL")
    given = "host=" if context.host_source == "the host= argument" else context.host_source
    return f"{checked}: is the server running there, and is {given} right? ($SKYPORTAL_URL is not read when " \
        f"{given} is given)"


# The helpers' own errors: input the client refused, and files it cannot use.

class UploadValidationError(ApiValueError):
    """Rows SkyPortal would refuse; nothing was sent.

    ``problems`` lists them all (``problems.Problem``: row, column, kind, detail); row is
    the position in the input counted from 0, or None for a problem with a whole column.
    The message shows them all when they are few, else a summary by kind of bounded
    length; ``write_report`` writes every one as CSV.
    """

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(report(self.problems, "in the photometry; nothing was sent", Problem.in_table))

    def write_report(self, destination: Union[str, "os.PathLike[str]", TextIO]) -> None:
        """Write every problem as CSV (row, column, kind, detail) to a file path or an open text stream."""
        write_csv(self.problems, destination)


class ManifestError(ApiValueError):
    """A manifest that cannot be used for this upload or rollback; the message says why and what to do."""


class RollbackIncomplete(ManifestError):
    """A rollback that left points of the upload on the server on purpose; ``result`` says
    what it did, the message which points it kept and how to remove them."""

    def __init__(self, message: str, result: RollbackResult):
        super().__init__(message)
        self.result = result


class CacheError(ApiValueError):
    """A cache directory that cannot be used; the message says why and what to do."""


class NoCacheError(CacheError):
    """A directory to bring up to date that holds no cache: a download makes one, an update does not."""
