"""``SkyPortal.candidates``: objects that passed an alert broker's filters, one row per
(object, filter, moment)."""

from __future__ import annotations

import datetime
from typing import Any, Dict, Iterator, List, Optional, Union

from skyportal_client._front_door import existence
from skyportal_client._front_door.filters import Filters, FiltersArgument
from skyportal_client._front_door.groups import Groups, GroupsArgument
from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client._front_door.names import NameOrId
from skyportal_client._front_door.pages import walk_pages
from skyportal_client._models import parameters
from skyportal_client.api.candidates_api import CandidatesApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiTypeError
from skyportal_client.model.new_candidate import NewCandidate

# When an object passed: a datetime (naive ones are UTC, as SkyPortal reads them) or ISO text.
Moment = Union[datetime.datetime, str]
# The most candidates one page may hold (openapi.yaml's numPerPage, as for sources).
MAX_PAGE_SIZE = 500


@keyword_hints
class Candidates:
    """The candidates the token's filters let through. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = CandidatesApi(api_client)
        self._filters = Filters(api_client)
        self._groups = Groups(api_client)

    def exists(self, obj_id: str) -> bool:
        """Whether ``obj_id`` passed a filter of the token's groups (any filter, for an admin),
        asked without fetching it."""
        return existence.exists(self.api_client, lambda: self._api.api_candidates_obj_id_head(obj_id))

    def get(self, obj_id: str) -> Dict[str, Any]:
        """The object as a candidate: its position, ``thumbnails``, ``annotations``,
        ``classifications`` and the ``passing_group_ids`` of the filters it passed.

        Raises BadRequestException (400) when it passed none of the token's filters.
        """
        return self._api.api_candidates_obj_id_get(obj_id)["data"]

    def post(self, obj_id: str, *, filters: FiltersArgument, passed_at: Moment, ra: Optional[float] = None,
             dec: Optional[float] = None, passing_alert_id: Optional[int] = None,
             origin: Optional[str] = None) -> List[int]:
        """Records that ``obj_id`` passed ``filters`` (names or ids, one or a list) at ``passed_at``.

        A new object needs ``ra`` and ``dec`` (degrees J2000); an existing one keeps its
        position. Safe to repeat: a candidate is one row per (object, filter, ``passed_at``),
        so the same call again returns the same ids and stores nothing more.

        Returns the ids of the candidate rows, one per filter. Raises NameLookupError, sending
        nothing, for a filter that none of the token's groups has: SkyPortal would drop it
        without a word.
        """
        fields: Dict[str, Any] = {"ra": ra, "dec": dec, "passing_alert_id": passing_alert_id, "origin": origin}
        candidate = NewCandidate(id=obj_id, filter_ids=self._filters.ids_of(filters),
                                 passed_at=_moment("passed_at", passed_at),
                                 **{name: value for name, value in fields.items() if value is not None})
        return self._api.api_candidates_post(new_candidate=candidate)["data"]["ids"]

    def iterate(self, *, filters: Optional[FiltersArgument] = None, groups: Optional[GroupsArgument] = None,
                start: Optional[Moment] = None, end: Optional[Moment] = None,
                page_size: int = 100) -> Iterator[Dict[str, Any]]:
        """Every object that passed ``filters`` (or a filter of ``groups``; without them, any
        of the token's filters) between ``start`` and ``end`` (inclusive), the most recent
        first, fetched ``page_size`` at a time as the loop goes on.

        Each is a dict as ``get`` returns it. SkyPortal keeps no cache of these matches:
        candidates that pass while the loop runs can shift the later pages.
        """
        parameters.check_integer("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        query: Dict[str, Any] = {}
        if filters is not None:
            query["filter_ids"] = self._filters.ids_of(filters)
        if groups is not None:
            if groups == "all":
                raise ApiTypeError('groups="all" is for photometry; candidates pass the filters of named groups')
            query["group_ids"] = self._groups.ids_of(groups)
        if start is not None:
            query["start_date"] = _moment("start", start)
        if end is not None:
            query["end_date"] = _moment("end", end)
        return walk_pages(self._api.api_candidates_get, "candidates", page_size, **query)

    def delete(self, obj_id: str, filter: NameOrId) -> None:
        """Removes every candidate row of ``obj_id`` for ``filter`` (a name or id), whatever
        its ``passed_at``; the object and its other rows stay. BadRequestException (400)
        when there is none."""
        self._api.api_candidates_obj_id_filter_id_delete(obj_id, self._filters.ids_of(filter)[0])


def _moment(what: str, value: Moment) -> str:
    """``value`` as the ISO text SkyPortal stores (UTC, no offset), so that the same moment
    always makes the same candidate."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value
    raise ApiTypeError(f"{what} must be a datetime or ISO 8601 text (UTC), such as \"2026-12-06T10:00:00\", "
                       f"not {type(value).__name__} {value!r}")
