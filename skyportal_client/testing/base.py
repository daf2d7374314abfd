"""What every handler shares: the parsed request and baselayer's helpers.

Handlers are classes named and shaped like SkyPortal's, one instance per
request, with one method per HTTP verb taking the route's captures as
positional arguments.  Calling a method with the wrong number of captures
therefore raises the very TypeError SkyPortal answers with (e.g.
"PhotometryHandler.post() takes 1 positional argument but 2 were given").
"""

import json
from collections.abc import Callable
from email.message import Message
from typing import Any, TypeVar, overload
from urllib.parse import parse_qsl

from .accounts import Caller
from .envelope import ApiError, Response
from .storage import Store

TRUE_STRINGS = ("true", "yes", "t", "1")

HandlerMethod = TypeVar("HandlerMethod", bound=Callable[..., Response])


class Request:
    """An HTTP request as the app sees it.  ``path`` is the raw path, still
    percent-encoded, as tornado matches routes against it."""

    def __init__(self, method: str, target: str, headers: Message, body: bytes) -> None:
        self.method = method
        self.uri = target
        self.path, _, query = target.partition("?")
        self.query = dict(parse_qsl(query, keep_blank_values=True))  # the last value wins
        self.headers = headers
        self.body = body


def permissions(acl: str) -> Callable[[HandlerMethod], HandlerMethod]:
    """Mark a handler method as needing ``acl`` (System admin always passes)."""
    def mark(method: HandlerMethod) -> HandlerMethod:
        setattr(method, "required_acl", acl)
        return method
    return mark


def public(method: HandlerMethod) -> HandlerMethod:
    """Mark a handler method that SkyPortal serves without authentication."""
    setattr(method, "public", True)
    return method


class Handler:
    def __init__(self, store: Store, request: Request, caller: Caller | None) -> None:
        self.store = store
        self.request = request
        self._caller = caller

    @property
    def caller(self) -> Caller:
        """The caller the request's token authenticated (a ``public`` method is served without one)."""
        if self._caller is None:
            raise RuntimeError(f"{type(self).__name__} serves this method without authentication: it has no caller")
        return self._caller

    def get_json(self) -> dict[str, Any]:
        """The JSON body as a dict ({} when empty), like baselayer's get_json."""
        if not self.request.body:
            return {}
        try:
            data = json.loads(self.request.body.decode("utf-8"))
        except ValueError as exc:
            if isinstance(exc, UnicodeDecodeError):  # tornado decodes first: not a JSONDecodeError
                raise ApiError(500, str(exc)) from None
            raise ApiError(500, f"JSON decode of request body failed on {self.request.uri}. "
                                "Please ensure all requests are of type application/json.") from None
        except RecursionError as exc:  # deep nesting escapes baselayer's handler too
            raise ApiError(500, str(exc)) from None
        if not isinstance(data, dict):  # a JSON null too: baselayer checks the type only
            raise ApiError(500, "Please ensure posted data is of type application/json")
        return data

    @overload
    def get_query_argument(self, name: str) -> str | None: ...

    @overload
    def get_query_argument(self, name: str, default: str) -> str: ...

    def get_query_argument(self, name: str, default: str | None = None) -> str | None:
        """The last value given for ``name``, stripped as tornado strips it."""
        value = self.request.query.get(name)
        return default if value is None else value.strip()

    def get_float_argument(self, name: str) -> float | None:
        """baselayer's get_query_argument(type=float): None when absent or not a number."""
        value = self.get_query_argument(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return None

    def get_bool_argument(self, name: str, default: bool = False) -> bool:
        """baselayer's get_query_argument with a boolean default."""
        value = self.get_query_argument(name)
        return default if value is None else value.lower() in TRUE_STRINGS
