"""``SkyPortal.sources``: the objects photometry belongs to, as the token's groups see them."""

from __future__ import annotations

from typing import Any, Iterator, List, Optional

from skyportal_client._front_door.groups import Groups, GroupsArgument
from skyportal_client._models import parameters
from skyportal_client.api.sources_api import SourcesApi
from skyportal_client.api.system_info_api import SystemInfoApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiValueError, NotFoundException
from skyportal_client.model.new_source import NewSource
from skyportal_client.model.saved_source import SavedSource
from skyportal_client.model.source import Source

# The most sources SkyPortal returns per page.
MAX_PAGE_SIZE = 500


class Sources:
    """The sources on the server. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = SourcesApi(api_client)
        self._groups = Groups(api_client)

    def get(self, obj_id: str) -> Source:
        """The source ``obj_id`` with its groups, classifications and annotations.

        Raises NotFoundException (404) when it does not exist or none of the token's
        groups has saved it.
        """
        return self._api.api_sources_obj_id_get(obj_id).data

    def exists(self, obj_id: str) -> bool:
        """Whether ``obj_id`` is saved to a group of the token's user (any group, for an
        admin), asked without fetching it."""
        try:
            self._api.api_sources_obj_id_head(obj_id)
        except NotFoundException:
            # A 404 without a body says nothing of who answered: make sure it was SkyPortal
            # (its version is known once it has answered anything), or raise what a wrong host gives.
            if self.api_client.server_version is None:
                SystemInfoApi(self.api_client).api_sysinfo_get()
            return False
        return True

    def create(self, obj_id: str, *, ra: float, dec: float, groups: Optional[GroupsArgument] = None,
               **details: Any) -> SavedSource:
        """Creates the source ``obj_id`` at (``ra``, ``dec``), degrees J2000, and saves it to ``groups``.

        Args:
            obj_id: the new object's id, such as "ZTF21aaqjmps".
            ra, dec: its position.
            groups: group names or ids (one, or a list); by default every group of the
                token's user, as SkyPortal does.
            details: other fields of NewSource, such as ``redshift=`` or ``origin=``.

        Returns the server's answer: the id and the groups the source is saved to.
        Raises ApiValueError, sending nothing more, when the source exists already (SkyPortal
        would keep its position and only add groups: ``ensure`` does that on purpose).
        """
        group_ids = self._group_ids(groups)
        if self.exists(obj_id):
            raise ApiValueError(f"Source {obj_id} exists already on {self.api_client.configuration.host}; nothing "
                                "was changed. To save it to more groups, use sources.ensure(..., groups=...)")
        return self._save(obj_id, group_ids, ra=ra, dec=dec, **details)

    def ensure(self, obj_id: str, *, ra: float, dec: float, groups: Optional[GroupsArgument] = None,
               **details: Any) -> bool:
        """Makes sure the source ``obj_id`` exists: creates it as ``create`` does when the token
        cannot see it, and otherwise saves it to ``groups`` (when given), changing nothing else:
        an existing source keeps its position and details. Safe to repeat.

        Returns True when the source was saved anew, False when it existed.
        """
        group_ids = self._group_ids(groups)
        if not self.exists(obj_id):
            self._save(obj_id, group_ids, ra=ra, dec=dec, **details)
            return True
        if group_ids is not None:
            self._save(obj_id, group_ids)
        return False

    def search(self, contains: Optional[str] = None, *, page_size: int = 100) -> Iterator[Source]:
        """Every source the token's groups can see whose id (or TNS name) contains ``contains``
        (every source, without it), fetched ``page_size`` at a time as the loop goes on.

        Sources saved while the loop runs may be missed or seen twice, as with any paged list.
        """
        parameters.check_string("contains", contains, min_length=1, required=False)
        parameters.check_integer("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        return self._pages(contains, page_size)

    def _pages(self, contains: Optional[str], page_size: int) -> Iterator[Source]:
        page_number = 1
        while True:
            page = self._api.api_sources_get(source_id=contains, num_per_page=page_size, page_number=page_number).data
            yield from page.sources
            if not page.sources or page_number * page_size >= page.totalMatches:
                return
            page_number += 1

    def _group_ids(self, groups: Optional[GroupsArgument]) -> Optional[List[int]]:
        if groups == "all":
            raise ApiValueError('groups="all" is for photometry (it means SkyPortal\'s public group); a source is '
                                "saved to groups by name or id")
        return self._groups.ids_of(groups)  # type: ignore[return-value]

    def _save(self, obj_id: str, group_ids: Optional[List[int]], **fields: Any) -> SavedSource:
        if group_ids is not None:
            fields["group_ids"] = group_ids
        return self._api.api_sources_post(new_source=NewSource(id=obj_id, **fields)).data
