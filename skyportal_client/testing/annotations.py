"""/api/sources/{obj_id}/annotations: one annotation per (object, origin).

A second POST for an origin is refused whatever its groups (400 "Annotation
already exists: " and the database's text); PUT replaces ``data`` whole.
Without ``group_ids`` an annotation goes to every group the caller can
access.  Unknown or inaccessible annotation ids are 403.  Annotations of
spectra and photometry are not emulated.
"""

import json
from collections.abc import Collection, Mapping
from typing import Any

from . import envelope
from .accounts import Caller
from .base import Handler, permissions
from .bodies import Field, parse_body
from .envelope import ApiError
from .groups import group_dict
from .storage import Store

ANNOTATION_KEYS = ("modified", "data", "obj_id", "id", "created_at", "origin", "author_id")
POST_BODY = {"origin": Field("str", required=True, pattern=r"^\w+"), "data": Field("dict", required=True),
             "group_ids": Field("list")}
PUT_BODY = {"origin": Field("str", pattern=r"^\w+"), "data": Field("dict"), "group_ids": Field("list")}
NO_ANNOTATION = "Could not find any accessible annotations."
INSERT_STATEMENT = (
    "[SQL: INSERT INTO annotations (modified, created_at, data, origin, author_id, obj_id) VALUES "
    "(timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
    "%(data)s::JSONB, %(origin)s::VARCHAR, %(author_id)s::INTEGER, %(obj_id)s::VARCHAR) RETURNING annotations.id, "
    "annotations.modified, annotations.created_at]")


def shared_groups(store: Store, kind: str, row_id: int) -> list[dict[str, Any]]:
    """The groups a row is shared with, as SkyPortal lists them."""
    group_ids = store.shared_group_ids(kind, row_id)
    if not group_ids:
        return []
    return [group_dict(group, with_streams=False)
            for group in store.groups(f"id IN ({','.join('?' * len(group_ids))})", group_ids)]


def checked_group_ids(store: Store, caller: Caller, requested: Collection[Any]) -> list[int]:
    """Requested group ids that must all exist and be accessible to the
    caller: else 400 "Cannot find one or more groups with IDs: [...]."."""
    accessible = store.accessible_group_ids(caller)
    if not all(isinstance(group_id, int) and group_id in accessible for group_id in requested):
        raise ApiError(400, f"Cannot find one or more groups with IDs: {list(requested)}.")
    return list(requested)


def annotation_dicts(store: Store, caller: Caller, obj_id: str) -> list[dict[str, Any]]:
    """The object's annotations shared with a group the caller can access."""
    accessible = store.accessible_group_ids(caller)
    result = []
    for row in store.shared_rows("annotation", "obj_id = ?", (obj_id,)):
        if caller.is_admin or accessible & set(store.shared_group_ids("annotation", row["id"])):
            values = {**row, "data": json.loads(row["data"])}
            result.append({**{key: values[key] for key in ANNOTATION_KEYS},
                           "groups": shared_groups(store, "annotation", row["id"])})
    return result


def _already_exists(obj_id: str, origin: str, data: Mapping[str, Any], author_id: int) -> ApiError:
    parameters = (f"{{'timezone_1': 'UTC', 'data': Jsonb({dict(data)!r}), 'origin': {origin!r}, "
                  f"'author_id': {author_id}, 'obj_id': {obj_id!r}}}")
    return ApiError(400, 'Annotation already exists: (psycopg.errors.UniqueViolation) duplicate key value violates '
                         'unique constraint "annotations_obj_id_origin_key"\n'
                         f"DETAIL:  Key (obj_id, origin)=({obj_id}, {origin}) already exists.\n"
                         f"{INSERT_STATEMENT}\n[parameters: {parameters}]\n"
                         "(Background on this error at: https://sqlalche.me/e/20/gkpj)")


class AnnotationHandler(Handler):
    def _annotation(self, obj_id: str, annotation_id: str) -> dict[str, Any]:
        found = [annotation for annotation in annotation_dicts(self.store, self.caller, obj_id)
                 if annotation["id"] == int(annotation_id)]
        if not found:
            raise ApiError(403, NO_ANNOTATION)
        return found[0]

    def get(self, resource: str, obj_id: str, annotation_id: str | None = None) -> envelope.Response:
        if annotation_id is not None:
            return envelope.success(self._annotation(obj_id, annotation_id))
        if not self.store.obj_exists(obj_id):
            raise ApiError(404, f"Obj {obj_id} not found")
        return envelope.success(annotation_dicts(self.store, self.caller, obj_id))

    @permissions("Annotate")
    def post(self, resource: str, obj_id: str, *ignored: str | None) -> envelope.Response:
        body = parse_body(self.get_json(), POST_BODY)
        if not self.store.obj_exists(obj_id):
            raise ApiError(404, f"Obj {obj_id} not found")
        requested = body.get("group_ids")
        group_ids = (sorted(self.store.accessible_group_ids(self.caller)) if requested is None
                     else checked_group_ids(self.store, self.caller, requested))
        if self.store.shared_rows("annotation", "obj_id = ? AND origin = ?", (obj_id, body["origin"])):
            raise _already_exists(obj_id, body["origin"], body["data"], self.caller.user_id)
        annotation_id = self.store.insert_shared("annotation", {
            "obj_id": obj_id, "origin": body["origin"], "data": json.dumps(body["data"]),
            "author_id": self.caller.user_id}, group_ids)
        return envelope.success({"annotation_id": annotation_id})

    @permissions("Annotate")
    def put(self, resource: str, obj_id: str, annotation_id: str) -> envelope.Response:
        stored = self._annotation(obj_id, annotation_id)
        body = parse_body(self.get_json(), PUT_BODY)
        group_ids = None
        if body.get("group_ids") is not None:
            group_ids = checked_group_ids(self.store, self.caller, body["group_ids"])
        values: dict[str, Any] = {}
        if body.get("data") is not None:
            values["data"] = json.dumps(body["data"])  # replaced whole, not merged
        if body.get("origin") is not None:
            values["origin"] = body["origin"]
        self.store.update_shared("annotation", stored["id"], values, group_ids)
        return envelope.success({})

    @permissions("Annotate")
    def delete(self, resource: str, obj_id: str, annotation_id: str) -> envelope.Response:
        self.store.delete_shared("annotation", self._annotation(obj_id, annotation_id)["id"])
        return envelope.success({})
