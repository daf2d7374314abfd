"""/api/source_groups and /api/sources/{obj_id}/groups: saving objects to groups.

Read from SkyPortal's SourceGroupsHandler (revision 8bd346c0): camelCase
keys, extra keys refused; an active save is not repeated (400); a caller
who cannot see a group's existing row tries to insert a second one and
hits the unique index (500); a save by a non-member to a group without a
row is stored as a request.  Unsaving keeps the row, inactive; the list of
an object's groups shows active or requested rows only.
"""

from typing import Any

from . import envelope
from .base import Handler, permissions
from .bodies import Field, parse_body
from .envelope import ApiError
from .groups import group_dict

SOURCE_GROUPS_BODY = {"objId": Field("str", required=True), "inviteGroupIds": Field("list"),
                      "unsaveGroupIds": Field("list")}


def _unique_violation(group_id: int, obj_id: str) -> ApiError:
    return ApiError(500, '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint '
                         '"sources_forward_ind"\n'
                         f"DETAIL:  Key (group_id, obj_id)=({group_id}, {obj_id}) already exists.\n"
                         "[SQL: INSERT INTO sources (group_id, obj_id, modified, created_at, saved_by_id, saved_at, "
                         "active, requested, unsaved_by_id, unsaved_at) VALUES (%(group_id)s::INTEGER, "
                         "%(obj_id)s::VARCHAR, timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
                         "timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), %(saved_by_id)s::INTEGER, "
                         "timezone(%(timezone_2)s::VARCHAR, CURRENT_TIMESTAMP), %(active)s, %(requested)s, "
                         "%(unsaved_by_id)s::INTEGER, %(unsaved_at)s::TIMESTAMP WITHOUT TIME ZONE) RETURNING "
                         "sources.id, sources.modified, sources.created_at]")


class SourceGroupsHandler(Handler):
    @permissions("Upload data")
    def post(self, *ignored: str | None) -> envelope.Response:
        body = parse_body(self.get_json(), SOURCE_GROUPS_BODY)
        invite, unsave = body.get("inviteGroupIds") or [], body.get("unsaveGroupIds") or []
        if not invite and not unsave:
            raise ApiError(400, "Missing required parameter: one of either unsaveGroupIds or inviteGroupIds "
                                "must be provided")
        obj_id = body["objId"]
        if not self.store.obj_exists(obj_id):
            raise ApiError(404, f"Obj {obj_id} not found")
        members = self.store.member_group_ids(self.caller)
        for group_id in invite:
            row = self.store.source_row(obj_id, group_id)
            visible = row is not None and (self.caller.is_admin or group_id in members)
            if row is not None and visible and row["active"]:
                raise ApiError(400, f"Source already saved to group w/ ID {group_id}")
            if row is not None and not visible:
                raise _unique_violation(group_id, obj_id)
            as_request = not (self.caller.is_admin or group_id in members)
            self.store.save_to_group(obj_id, group_id, self.caller.user_id, requested=as_request)
        for group_id in unsave:
            row = self.store.source_row(obj_id, group_id)
            if row is None or not row["active"]:
                raise ApiError(400, "Specified source is not saved to group from which it was to be unsaved.")
            self.store.unsave_source(obj_id, group_id, self.caller)
        return envelope.success({})


class ObjGroupsHandler(Handler):
    def get(self, obj_id: str) -> envelope.Response:
        if not self.store.obj_exists(obj_id) or not (self.caller.is_admin or self.store.obj_readable(self.caller,
                                                                                                   obj_id)):
            raise ApiError(404, "Source not found")
        accessible = self.store.accessible_group_ids(self.caller)
        saved: list[dict[str, Any]] = self.store.saved_or_requested_groups(obj_id, accessible)
        return envelope.success([group_dict(group, with_streams=False) for group in saved])
