"""``SkyPortal.classifications``: classes of a taxonomy given to objects, the taxonomy by name or id."""

from __future__ import annotations

import math
from typing import Any, Iterator, List, Mapping, Optional

from skyportal_client._front_door.groups import Groups, GroupsArgument
from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client._front_door.names import NameOrId, name_or_id, one_named
from skyportal_client.api.classifications_api import ClassificationsApi
from skyportal_client.api.taxonomies_api import TaxonomiesApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiTypeError, ApiValueError, NameLookupError
from skyportal_client.model.new_classification import NewClassification
from skyportal_client.model.taxonomy import Taxonomy


@keyword_hints
class Classifications:
    """The classifications of objects. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = ClassificationsApi(api_client)
        self._taxonomies = TaxonomiesApi(api_client)
        self._groups = Groups(api_client)

    def taxonomies(self) -> List[Taxonomy]:
        """The taxonomies the token's groups may use, sorted by name, each with its ``hierarchy``."""
        return sorted(self._taxonomies.api_taxonomy_get().data, key=lambda taxonomy: (taxonomy.name, taxonomy.id))

    def post(self, obj_id: str, classification: str, *, taxonomy: NameOrId, probability: Optional[float] = None,
             groups: Optional[GroupsArgument] = None, origin: Optional[str] = None) -> int:
        """Gives ``obj_id`` the class ``classification`` of ``taxonomy`` (a name, its latest
        version, or an id), with ``probability`` (0 to 1), seen by ``groups`` (names or ids;
        by default every group of the token's user).

        SkyPortal does not deduplicate classifications: the same call again adds a second one.
        The class is checked against the taxonomy's hierarchy before sending. Returns the
        classification's id.
        """
        if not isinstance(classification, str) or not classification:
            raise ApiTypeError(f"classification must be a class name (str), not {classification!r}")
        if probability is not None and not (isinstance(probability, (int, float)) and math.isfinite(probability)
                                            and 0 <= probability <= 1):
            raise ApiValueError(f"probability must be between 0 and 1, not {probability!r}")
        if groups == "all":
            raise ApiValueError('groups="all" is for photometry; a classification is shared with groups by name or id')
        chosen = self._taxonomy(taxonomy)
        classes = list(_classes(chosen.get("hierarchy") or {}))
        if classification not in classes:
            raise ApiValueError(f"{classification!r} is not a class of the taxonomy {chosen.name!r} (id {chosen.id}); "
                                f"its classes: {', '.join(map(repr, classes))}")
        fields: Mapping[str, Any] = {"probability": probability, "origin": origin,
                                     "group_ids": self._groups.ids_of(groups)}
        body = NewClassification(obj_id=obj_id, classification=classification, taxonomy_id=chosen.id,
                                 **{name: value for name, value in fields.items() if value is not None})
        return self._api.api_classification_post(new_classification=body)["data"]["classification_id"]

    def _taxonomy(self, taxonomy: NameOrId) -> Taxonomy:
        value = name_or_id("taxonomy", taxonomy)
        known = self.taxonomies()
        host = self.api_client.configuration.host
        if isinstance(value, int):
            for found in known:
                if found.id == value:
                    return found
            raise NameLookupError(f"No taxonomy with id {value} that the token can use on {host}; its taxonomies: "
                                  f"{', '.join(f'{found.name!r} (id {found.id})' for found in known) or 'none'}",
                                  kind="taxonomy", name=str(value))
        named = [found for found in known if found.name == value]
        latest = [found for found in named if found.get("isLatest")]
        return one_named("taxonomy", value, latest or named, lambda: known, host)


def _classes(node: Mapping[str, Any]) -> Iterator[str]:
    """Every class of a taxonomy's hierarchy, from the top."""
    if "class" in node:
        yield node["class"]
    for child in node.get("subclasses") or []:
        yield from _classes(child)
