"""Routing and authentication, as tornado and baselayer do them.

Routes are tried top to bottom against the raw (percent-encoded) path and
must match all of it.  A route's handler class answers 405 for verbs it does
not define; otherwise the token is checked (401), then the ACL the method
needs (401), and only then is the method called with the route's captures.
"""

import hashlib
import re
import uuid
from typing import NoReturn
from urllib.parse import unquote

from . import envelope
from .accounts import Caller
from .base import Handler, Request
from .envelope import ApiError
from .annotations import AnnotationHandler
from .candidates import CandidateHandler
from .classifications import ClassificationHandler, ObjClassificationHandler, TaxonomyHandler
from .comments import CommentHandler
from .facilities import InstrumentHandler, TelescopeHandler
from .filters import FilterHandler
from .groups import GroupHandler, GroupUserHandler
from .objs import ObjHandler
from .photometry import (
    BulkDeletePhotometryHandler,
    ObjPhotometryHandler,
    PhotometryHandler,
    PhotometryRangeHandler,
)
from .saving import ObjGroupsHandler, SourceGroupsHandler
from .sources import SourceExistsHandler, SourceHandler
from .storage import Store
from .streams import GroupStreamHandler, StreamHandler, StreamUserHandler
from .system import EnumTypesHandler, SysInfoHandler
from .thumbnails import ThumbnailFileHandler, ThumbnailHandler
from .users import ProfileHandler, TokenHandler, UserHandler

MALFORMED_CREDENTIALS = ('HTTP 401: Unauthorized (Credentials malformed; '
                         'expected form "Authorization: token abc123")')
UNAUTHORIZED = "HTTP 401: Unauthorized"
METHOD_NOT_ALLOWED = "HTTP 405: Method Not Allowed"
HTTP_METHODS = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")


class InvalidEndpointHandler(Handler):
    def get(self) -> NoReturn:
        raise ApiError(400, "Invalid API endpoint")


# SkyPortal's routes for these handlers, in its order.
ROUTES: list[tuple[str, type[Handler]]] = [
    (r"/api/candidates(/[0-9A-Za-z-_]+)/([0-9]+)", CandidateHandler),
    (r"/api/candidates(/.*)?", CandidateHandler),
    (r"/api/classification(/[0-9]+)?", ClassificationHandler),
    (r"/api/enum_types(/.*)?", EnumTypesHandler),
    (r"/api/filters(/.*)?", FilterHandler),
    (r"/api/groups(/[0-9]+)/streams(/[0-9]+)?", GroupStreamHandler),
    (r"/api/groups(/[0-9]+)/users(/.*)?", GroupUserHandler),
    (r"/api/groups(/[0-9]+)?", GroupHandler),
    (r"/api/instrument(/[0-9]+)?", InstrumentHandler),
    (r"/api/objs(/[0-9A-Za-z-_\.\+]+)", ObjHandler),
    (r"/api/telescope(/[0-9]+)?", TelescopeHandler),
    (r"/api/photometry(/[0-9]+)?", PhotometryHandler),
    (r"/api/photometry/bulk_delete/(.*)", BulkDeletePhotometryHandler),
    (r"/api/photometry/range(/.*)?", PhotometryRangeHandler),
    (r"/api/sources(/[0-9A-Za-z-_\.\+]+)/photometry", ObjPhotometryHandler),
    (r"/api/sources(/[0-9A-Za-z-_\.\+]+)/classifications", ObjClassificationHandler),
    (r"/api/sources(/[0-9A-Za-z-_\.\+]+)/groups", ObjGroupsHandler),
    (r"/api/(sources)/([0-9A-Za-z-_\.\+]+)/comments(/[0-9]+)?", CommentHandler),
    (r"/api/(sources)(/[0-9A-Za-z-_\.\+]+)/annotations(/[0-9]+)?", AnnotationHandler),
    (r"/api/sources(/[^/]*)?", SourceHandler),
    (r"/api/source_exists(/.*)?", SourceExistsHandler),
    (r"/api/source_groups(/.*)?", SourceGroupsHandler),
    (r"/api/streams(/[0-9]+)/users(/.*)?", StreamUserHandler),
    (r"/api/streams(/[0-9]+)?", StreamHandler),
    (r"/api/sysinfo", SysInfoHandler),
    (r"/api/taxonomy(/.*)?", TaxonomyHandler),
    (r"/api/thumbnail(/[0-9]+)?", ThumbnailHandler),
    (r"/api/user(/.*)?", UserHandler),
    (r"/api/internal/tokens(/[0-9A-Za-z-]+)?", TokenHandler),
    (r"/api/internal/profile", ProfileHandler),
    (r"/api/.*", InvalidEndpointHandler),
    # nginx serves SkyPortal's static directory, thumbnails' files among them.
    (r"/static/thumbnails/(.*)", ThumbnailFileHandler),
]
COMPILED_ROUTES = [(re.compile(pattern + "$"), handler) for pattern, handler in ROUTES]

NOT_FOUND_PAGE = b"<html><title>404: Not Found</title><body>404: Not Found</body></html>"


def route(path: str) -> tuple[type[Handler] | None, tuple[str | None, ...]]:
    """(handler class, path arguments) for a raw path, or (None, ())."""
    for pattern, handler in COMPILED_ROUTES:
        match = pattern.match(path)
        if match:
            # baselayer strips the leading "/" of each capture; an empty or
            # absent one becomes None, and a lone None is not passed at all.
            # tornado also url-unescapes them.
            captures = [(unquote(group.lstrip("/")) or None) if group else None
                        for group in match.groups()]
            return handler, tuple(captures) if captures != [None] else ()
    return None, ()


def _etag(body: bytes) -> str:
    """tornado's default Etag: the SHA-1 of the body, quoted."""
    return '"' + hashlib.sha1(body).hexdigest() + '"'


ENTITY_TAG = re.compile(r'\*|(?:W/)?"[^"]*"')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """tornado's check_etag_header: a list of tags, weak or strong, compared
    weakly ("W/" ignored); "*" first in the list matches anything."""
    tags = ENTITY_TAG.findall(if_none_match or "")
    if not tags:
        return False
    if tags[0] == "*":
        return True
    return any(tag.removeprefix("W/") == etag.removeprefix("W/") for tag in tags)


class SkyPortalApp:
    def __init__(self, store: Store) -> None:
        self.store = store

    def authenticate(self, request: Request) -> Caller:
        header = request.headers.get("Authorization")
        if header is None or not header.startswith("token "):
            raise ApiError(401, MALFORMED_CREDENTIALS)
        token = header[len("token "):].strip()
        try:
            uuid.UUID(token)
        except ValueError:
            raise ApiError(401, UNAUTHORIZED) from None
        caller = self.store.find_caller(token)
        if caller is None:
            raise ApiError(401, UNAUTHORIZED)
        return caller

    def handle(self, request: Request) -> envelope.Response:
        """The Response to a Request; never raises."""
        handler_class, arguments = route(request.path)
        if handler_class is None:
            return envelope.Response(404, NOT_FOUND_PAGE, "text/html; charset=UTF-8")
        method = request.method.lower()
        if request.method not in HTTP_METHODS or not hasattr(handler_class, method):
            return envelope.error(405, METHOD_NOT_ALLOWED)
        try:
            public = getattr(getattr(handler_class, method), "public", False)
            caller = None if public else self.authenticate(request)
            handler = handler_class(self.store, request, caller)
            action = getattr(handler, method)
            required_acl = getattr(action, "required_acl", None)
            if required_acl and not handler.caller.may(required_acl):
                raise ApiError(401, UNAUTHORIZED)
            response: envelope.Response = action(*arguments)
        except ApiError as exc:
            return envelope.error(exc.status, exc.message)
        except Exception as exc:  # SkyPortal answers any handler exception with a 500
            return envelope.error(500, str(exc))
        if response.status == 200 and request.method in ("GET", "HEAD"):
            etag = _etag(response.body)
            if etag_matches(request.headers.get("If-None-Match"), etag):
                # tornado drops the body and the representation headers.
                return envelope.Response(304, b"", None, [("Etag", etag)])
            response.headers.append(("Etag", etag))
        return response
