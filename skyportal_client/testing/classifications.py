"""/api/taxonomy, /api/classification and /api/sources/{obj_id}/classifications.

Read from SkyPortal's TaxonomyHandler and post_classification (revision
8bd346c0): a taxonomy is unique per (name, version), checked before its
hierarchy; a classification needs a class of its taxonomy's hierarchy and
is never deduplicated (each post also records the author's up-vote).
Classification errors are 400 "Error posting classification: " and the
exception text (a missing key shows as the key in quotes).  Without
``group_ids`` both go to the public group.  The hierarchy schema is
tdtax's in outline: a "class" string and, optionally, "subclasses" of the
same shape.  Votes, edits and ML flags beyond the default are not emulated.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from . import envelope
from .base import Handler, permissions
from .envelope import ApiError

TAXONOMY_KEYS = ("name", "isLatest", "modified", "hierarchy", "provenance", "version", "id", "created_at")
CLASSIFICATION_KEYS = ("classification", "origin", "probability", "ml", "id", "created_at", "taxonomy_id",
                       "author_id", "author_name", "obj_id", "modified")


def _valid_hierarchy(node: object) -> bool:
    if not isinstance(node, dict) or not isinstance(node.get("class"), str):
        return False
    subclasses = node.get("subclasses", [])
    return isinstance(subclasses, list) and all(_valid_hierarchy(child) for child in subclasses)


def _classes(node: Mapping[str, Any]) -> Iterator[str]:
    if "class" in node:
        yield node["class"]
    for child in node.get("subclasses", []):
        yield from _classes(child)


class TaxonomyHandler(Handler):
    def _taxonomies(self) -> list[dict[str, Any]]:
        rows = self.store.shared_rows("taxonomy")
        accessible = self.store.accessible_group_ids(self.caller)
        newest: dict[str, int] = {}
        for row in rows:
            newest[row["name"]] = max(newest.get(row["name"], 0), row["id"])
        return [{**{key: row.get(key) for key in TAXONOMY_KEYS}, "hierarchy": json.loads(row["hierarchy"]),
                 "isLatest": newest[row["name"]] == row["id"]}
                for row in rows
                if self.caller.is_admin or accessible & set(self.store.shared_group_ids("taxonomy", row["id"]))]

    def _one(self, taxonomy_id: str) -> dict[str, Any]:
        found = [taxonomy for taxonomy in self._taxonomies() if taxonomy["id"] == int(taxonomy_id)]
        if not found:
            raise ApiError(400, f"Cannot find a taxonomy with ID: {int(taxonomy_id)}.")
        return found[0]

    def get(self, taxonomy_id: str | None = None) -> envelope.Response:
        if taxonomy_id is None:
            return envelope.success(self._taxonomies())
        return envelope.success(self._one(taxonomy_id))

    @permissions("Post taxonomy")
    def post(self) -> envelope.Response:
        data = self.get_json()
        name, version = data.get("name"), data.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            raise ApiError(400, "Invalid/missing parameters: name and version must be given")
        if self.store.shared_rows("taxonomy", "name = ? AND version = ?", (name, version)):
            raise ApiError(400, "That version/name combination is already present. If you really want to "
                                "replace this then delete the appropriate entry.")
        hierarchy = data.get("hierarchy")
        if isinstance(hierarchy, list) and hierarchy:
            hierarchy = hierarchy[0]
        if hierarchy is None:
            raise ApiError(400, "A JSON of the taxonomy must be given")
        if not _valid_hierarchy(hierarchy):
            raise ApiError(400, "Hierarchy does not validate against the schema.")
        accessible = self.store.accessible_group_ids(self.caller)
        group_ids = [group_id for group_id in data.get("group_ids") or [self.store.public_group_id()]
                     if group_id in accessible]
        if not group_ids:
            raise ApiError(400, f"Invalid group IDs field ({group_ids}): You must provide one or more valid "
                                "group IDs.")
        taxonomy_id = self.store.insert_shared("taxonomy", {
            "name": name, "version": version, "hierarchy": json.dumps(hierarchy),
            "provenance": data.get("provenance")}, group_ids)
        return envelope.success({"taxonomy_id": taxonomy_id})

    @permissions("Delete taxonomy")
    def delete(self, taxonomy_id: str) -> envelope.Response:
        self.store.delete_shared("taxonomy", self._one(taxonomy_id)["id"])
        return envelope.success({})


class ClassificationHandler(Handler):
    @permissions("Classify")
    def post(self) -> envelope.Response:
        try:
            classification_id = self._post(self.get_json())
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(400, f"Error posting classification: {exc}") from None
        return envelope.success({"classification_id": classification_id})

    def _post(self, data: dict[str, Any]) -> int:
        obj_id = data["obj_id"]
        if not self.store.obj_exists(obj_id):
            raise ValueError(f"Cannot find object with ID {obj_id}.")
        group_ids = data.pop("group_ids", [])
        if not isinstance(group_ids, list) or not group_ids:
            group_ids = [self.store.public_group_id()]
        taxonomy_id = data["taxonomy_id"]
        found = self.store.shared_rows("taxonomy", "id = ?", (taxonomy_id,))
        if not found:
            raise ValueError(f"Cannot find a taxonomy with ID: {taxonomy_id}.")
        if data["classification"] not in _classes(json.loads(found[0]["hierarchy"])):
            raise ValueError(f"That classification ({data['classification']}) is not in the allowed classes for "
                             f"the chosen taxonomy (id={taxonomy_id}")
        probability = data.get("probability")
        if probability is not None and (probability < 0 or probability > 1):
            raise ValueError(f"That probability ({probability}) is outside the allowable range (0-1).")
        accessible = self.store.accessible_group_ids(self.caller)
        if not set(group_ids) <= accessible:
            raise ValueError(f"Cannot find one or more groups with IDs: {group_ids}.")
        return self.store.insert_shared("classification", {
            "obj_id": obj_id, "classification": data["classification"], "taxonomy_id": taxonomy_id,
            "probability": probability, "author_id": self.caller.user_id}, group_ids)

    @permissions("Classify")
    def delete(self, classification_id: str) -> envelope.Response:
        if not self.store.shared_rows("classification", "id = ?", (int(classification_id),)):
            raise ApiError(400, f"Cannot find classification with ID: {int(classification_id)}")
        self.store.delete_shared("classification", int(classification_id))
        return envelope.success({})


class ObjClassificationHandler(Handler):
    def get(self, obj_id: str) -> envelope.Response:
        accessible = self.store.accessible_group_ids(self.caller)
        result = []
        for row in self.store.shared_rows("classification", "obj_id = ?", (obj_id,)):
            if not (self.caller.is_admin or accessible & set(self.store.shared_group_ids("classification",
                                                                                        row["id"]))):
                continue
            values = {**row, "origin": None, "ml": False,
                      "author_name": self.store.get_user(row["author_id"])["username"]}
            result.append({**{key: values[key] for key in CLASSIFICATION_KEYS}, "edits": [],
                           "votes": [{"vote": 1, "id": row["id"], "created_at": row["created_at"],
                                      "classification_id": row["id"], "voter_id": row["author_id"],
                                      "modified": row["created_at"]}]})
        return envelope.success(result)
