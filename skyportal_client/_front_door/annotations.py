"""``SkyPortal.annotations``: the values an origin (a broker, a classifier) computed for an
object, one set per origin, created or replaced in one call."""

from __future__ import annotations

import re
from typing import Any, List, Mapping, Optional

from skyportal_client._front_door.groups import Groups, GroupsArgument
from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client.api.annotations_api import AnnotationsApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiTypeError, ApiValueError, BadRequestException
from skyportal_client.model.annotation import Annotation
from skyportal_client.model.annotation_update import AnnotationUpdate
from skyportal_client.model.new_annotation import NewAnnotation

# The start of SkyPortal's refusal of a second annotation of one origin.
ALREADY_EXISTS = "Annotation already exists"
# SkyPortal's rule for an origin: it starts with a word character.
ORIGIN = re.compile(r"^\w")
# Annotations are of objects here ("sources" in SkyPortal's path).
OBJECTS = "sources"


@keyword_hints
class Annotations:
    """The annotations of objects. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = AnnotationsApi(api_client)
        self._groups = Groups(api_client)

    def list(self, obj_id: str) -> List[Annotation]:
        """The annotations of ``obj_id`` the token's groups can see, each with its ``origin`` and ``data``."""
        return self._api.api_associated_resource_type_resource_id_annotations_get(OBJECTS, obj_id).data

    def upsert(self, obj_id: str, *, origin: str, data: Mapping[str, Any],
               groups: Optional[GroupsArgument] = None) -> int:
        """Makes ``data`` the annotation of ``origin`` for ``obj_id``: creates it, or replaces
        the values of the one that origin has (keys not in ``data`` are gone). Safe to repeat,
        and right when another worker creates the same annotation at the same moment: the
        server refuses the second one, which is then replaced.

        Args:
            obj_id: the object's id.
            origin: who computed the values, such as the broker's name; it starts with a
                letter, digit or underscore.
            data: the values by name, such as {"drb": 0.999}.
            groups: group names or ids (one, or a list) that see it; by default every group
                of the token's user when created, and the groups it has when replaced.

        Returns the annotation's id.
        """
        if not isinstance(origin, str) or not ORIGIN.match(origin):
            raise ApiValueError(f"origin must start with a letter, a digit or _, as SkyPortal requires; not {origin!r}")
        if not isinstance(data, Mapping):
            raise ApiTypeError(f"data must be a mapping of names to values, not {type(data).__name__}")
        if groups == "all":
            raise ApiValueError('groups="all" is for photometry; an annotation is shared with groups by name or id')
        group_ids = self._groups.ids_of(groups)
        shared = {} if group_ids is None else {"group_ids": group_ids}
        try:
            created = self._api.api_associated_resource_type_resource_id_annotations_post(
                OBJECTS, obj_id, new_annotation=NewAnnotation(origin=origin, data=dict(data), **shared))
            return created["data"]["annotation_id"]
        except BadRequestException as refused:
            if ALREADY_EXISTS not in (refused.message or ""):
                raise
        annotation_id = self._id_of(obj_id, origin)
        self._api.api_associated_resource_type_resource_id_annotations_annotation_id_put(
            OBJECTS, obj_id, annotation_id, annotation_update=AnnotationUpdate(data=dict(data), **shared))
        return annotation_id

    def _id_of(self, obj_id: str, origin: str) -> int:
        for annotation in self.list(obj_id):
            if annotation.origin == origin:
                return annotation.id
        raise ApiValueError(f"{obj_id} has an annotation of origin {origin!r} that none of the token's groups can "
                            "see, so it cannot be replaced: ask who made it to share it with a group of the "
                            "token's user")
