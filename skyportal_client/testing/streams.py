"""/api/streams, /api/streams/{id}/users and /api/groups/{id}/streams.

Reading an alert stream takes three links (SkyPortal 1.4.0): the user's
(``stream_users``, given by a system admin), the group's
(``group_streams``, refused unless every member of the group has the
user's link) and a filter's (group, stream).  A stream is readable by
system admins, by its users and by everyone when ``auto_join`` is set.
"""

from collections.abc import Mapping
from typing import Any

from . import envelope
from .base import Handler, permissions
from .bodies import Field, parse_body
from .envelope import ApiError

STREAM_KEYS = ("altdata", "id", "created_at", "name", "auto_join", "modified")
STREAM_BODY = {"name": Field("str", required=True), "altdata": Field("any"), "auto_join": Field("any")}


def foreign_key_violation(table: str, column: str, value: object, target: str) -> str:
    """The first lines of PostgreSQL's refusal of an id that ``target`` lacks."""
    return (f'(psycopg.errors.ForeignKeyViolation) insert or update on table "{table}" violates foreign key '
            f'constraint "{table}_{column}_fkey"\nDETAIL:  Key ({column})=({value}) is not present in table '
            f'"{target}".')


def stream_dict(stream: Mapping[str, Any]) -> dict[str, Any]:
    return {key: stream[key] for key in STREAM_KEYS}


def _duplicate_name(name: str, altdata: object) -> ApiError:
    """PostgreSQL's refusal of a second stream of the same name: a 500 with the SQL text."""
    return ApiError(
        500, '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "streams_name_key"\n'
             f"DETAIL:  Key (name)=({name}) already exists.\n"
             "[SQL: INSERT INTO streams (name, altdata, auto_join, modified, created_at) VALUES (%(name)s::VARCHAR, "
             "%(altdata)s::JSONB, %(auto_join)s, timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
             "timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP)) RETURNING streams.id, streams.modified, "
             "streams.created_at]\n"
             f"[parameters: {{'name': {name!r}, 'altdata': Jsonb({altdata!r}), 'auto_join': False, "
             "'timezone_1': 'UTC'}]\n(Background on this error at: https://sqlalche.me/e/20/gkpj)")


class StreamHandler(Handler):
    def _readable(self, stream_id: str) -> dict[str, Any]:
        number = int(stream_id)
        found = self.store.streams("id = ?", (number,))
        if not found or number not in self.store.readable_stream_ids(self.caller):
            raise ApiError(400, f"Could not retrieve stream with ID {number}.")
        return found[0]

    def get(self, stream_id: str | None = None) -> envelope.Response:
        if stream_id is not None:
            return envelope.success(stream_dict(self._readable(stream_id)))
        readable = self.store.readable_stream_ids(self.caller)
        return envelope.success([stream_dict(stream) for stream in self.store.streams() if stream["id"] in readable])

    @permissions("System admin")
    def post(self) -> envelope.Response:
        body = parse_body(self.get_json(), STREAM_BODY)
        stream_id = self.store.create_stream(body["name"], body.get("altdata"))
        if stream_id is None:
            raise _duplicate_name(body["name"], body.get("altdata"))
        return envelope.success({"id": stream_id})

    @permissions("System admin")
    def delete(self, stream_id: str) -> envelope.Response:
        self.store.delete_stream(self._readable(stream_id)["id"])
        return envelope.success({})


class StreamUserHandler(Handler):
    @permissions("System admin")
    def post(self, stream_id: str, *ignored: str | None) -> envelope.Response:
        user_id = body_id(self, "user_id")
        number = int(stream_id)
        if not self.store.streams("id = ?", (number,)):
            raise ApiError(400, f"Could not retrieve stream with ID {number}.")
        if not self.store.existing_user_ids([user_id]):
            raise ApiError(400, f"Invalid user_id: {user_id}")
        if not self.store.link_stream_user(number, user_id):
            raise ApiError(400, "Specified user already has access to this stream.")
        return envelope.success({"stream_id": number, "user_id": user_id})

    @permissions("System admin")
    def delete(self, stream_id: str, user_id: str) -> envelope.Response:
        if not self.store.unlink_stream_user(int(stream_id), int(user_id)):
            raise ApiError(400, "Specified stream_id/user_id pair does not exist.")
        return envelope.success({})


def body_id(handler: Handler, name: str) -> int:
    """The integer id the JSON body gives under ``name``; SkyPortal's 400 for anything else."""
    value = handler.get_json().get(name)
    try:
        return int(value)  # type: ignore[arg-type]  # a bad value is answered below
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid {name}: {value}") from None


def may_update_group(handler: Handler, group_id: int) -> bool:
    """Group update access: system admins and the group's admins."""
    if handler.caller.is_admin:
        return True
    return any(user["id"] == handler.caller.user_id and admin for user, admin in handler.store.group_members(group_id))


class GroupStreamHandler(Handler):
    # Read from SkyPortal's GroupStreamHandler (revision 8bd346c0): the
    # members' check comes before any check that the stream exists.
    @permissions("Upload data")
    def post(self, group_id: str, *ignored: str | None) -> envelope.Response:
        stream_id = body_id(self, "stream_id")
        number = int(group_id)
        found = self.store.groups("id = ?", (number,))
        if not found or not may_update_group(self, number):
            raise ApiError(400, f"Group with ID {number} not accessible")
        if found[0]["single_user_group"]:
            raise ApiError(400, f"Cannot add users to group {number}. It is a single user group.")
        with_access = self.store.stream_user_ids(stream_id)
        if any(user["id"] not in with_access for user, _ in self.store.group_members(number)):
            raise ApiError(403, f"Not all users have stream access with ID {stream_id}")
        if not self.store.streams("id = ?", (stream_id,)):  # reached only by a group without members
            raise ApiError(500, foreign_key_violation("group_streams", "stream_id", stream_id, "streams"))
        if not self.store.link_group_stream(number, stream_id):
            raise ApiError(400, "Specified stream is already associated with this group.")
        return envelope.success({"group_id": number, "stream_id": stream_id})

    @permissions("Upload data")
    def delete(self, group_id: str, stream_id: str) -> envelope.Response:
        group_number, stream_number = int(group_id), int(stream_id)
        # A filter of the group on that stream keeps the link, and the
        # message then reads as if the link were missing (as recorded).
        in_use = self.store.filters("group_id = ? AND stream_id = ?", (group_number, stream_number))
        if in_use or stream_number not in self.store.group_stream_ids(group_number):
            raise ApiError(400, f"No stream IDs with ID {stream_number} accessible")
        self.store.unlink_group_stream(group_number, stream_number)
        return envelope.success({})
