"""/api/filters: the filters that candidates pass, each on a (group, stream).

A filter does not need its group to have the stream (no ``group_streams``
link): SkyPortal's Filter access is "the group is one of the caller's and
the stream is readable", which a system admin always passes.  Unknown
stream or group ids reach the database (500 with its text); a refused
create uses up the id the row would have had, and the message names the
raw token, as SkyPortal's does.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from . import envelope
from .accounts import Caller
from .base import Handler, permissions
from .bodies import Field, parse_body
from .envelope import ApiError
from .storage import Store
from .streams import foreign_key_violation, stream_dict

FILTER_KEYS = ("name", "stream_id", "broker_id", "autosave", "id", "created_at", "altdata", "group_id", "modified")
FILTER_BODY = {"name": Field("str", required=True), "stream_id": Field("int", required=True),
               "group_id": Field("int", required=True), "altdata": Field("any")}
INSERT_STATEMENT = (
    "[SQL: INSERT INTO filters (name, stream_id, altdata, group_id, broker_id, modified, created_at) VALUES "
    "(%(name)s::VARCHAR, %(stream_id)s::INTEGER, %(altdata)s::JSONB, %(group_id)s::INTEGER, "
    "%(broker_id)s::INTEGER, timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
    "timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP)) RETURNING filters.autosave, filters.id, "
    "filters.modified, filters.created_at]")


def filter_dict(found: Mapping[str, Any]) -> dict[str, Any]:
    return {key: {"broker_id": None, "autosave": False, **found}[key] for key in FILTER_KEYS}


def accessible_filters(store: Store, caller: Caller, where: str = "1",
                       params: Sequence[object] = ()) -> list[dict[str, Any]]:
    """SkyPortal's Filter access: the filter's group is one of the caller's
    and its stream is readable (every filter for a system admin)."""
    if caller.is_admin:
        return store.filters(where, params)
    streams = store.readable_stream_ids(caller)
    groups = store.member_group_ids(caller)
    return [found for found in store.filters(where, params)
            if found["group_id"] in groups and found["stream_id"] in streams]


class FilterHandler(Handler):
    def _accessible(self, filter_id: str) -> dict[str, Any]:
        number = int(filter_id)
        found = accessible_filters(self.store, self.caller, "id = ?", (number,))
        if not found:
            raise ApiError(400, f"Cannot find a filter with ID: {number}.")
        return found[0]

    def get(self, filter_id: str | None = None) -> envelope.Response:
        if filter_id is None:
            return envelope.success([filter_dict(found) for found in accessible_filters(self.store, self.caller)])
        found = self._accessible(filter_id)
        stream = self.store.streams("id = ?", (found["stream_id"],))[0]
        return envelope.success({**filter_dict(found), "stream": stream_dict(stream)})

    @permissions("Upload data")
    def post(self) -> envelope.Response:
        body = parse_body(self.get_json(), FILTER_BODY)
        for column, target, exists in (
                ("stream_id", "streams", bool(self.store.streams("id = ?", (body["stream_id"],)))),
                ("group_id", "groups", bool(self.store.existing_group_ids([body["group_id"]])))):
            if not exists:
                parameters = {"name": body["name"], "stream_id": body["stream_id"], "altdata": None,
                              "group_id": body["group_id"], "broker_id": None, "timezone_1": "UTC"}
                shown = repr(parameters).replace("'altdata': None", f"'altdata': Jsonb({body.get('altdata')!r})")
                raise ApiError(500, f"{foreign_key_violation('filters', column, body[column], target)}\n"
                                    f"{INSERT_STATEMENT}\n[parameters: {shown}]\n"
                                    "(Background on this error at: https://sqlalche.me/e/20/gkpj)")
        allowed = self.caller.is_admin or (
            body["group_id"] in self.store.member_group_ids(self.caller)
            and body["stream_id"] in self.store.readable_stream_ids(self.caller))
        filter_id = self.store.insert_filter(body["name"], body["stream_id"], body["group_id"], body.get("altdata"),
                                             keep=allowed)
        if not allowed:
            raise ApiError(400, f'Insufficient permissions for operation "Token {self.caller.token} create '
                                f'Filter {{{filter_id}}}".')
        return envelope.success({"id": filter_id})

    @permissions("Upload data")
    def delete(self, filter_id: str) -> envelope.Response:
        self.store.delete_filter(self._accessible(filter_id)["id"])
        return envelope.success({})
