"""``SkyPortal.sources``: the objects photometry belongs to, as the token's groups see them."""

from __future__ import annotations

import inspect
from typing import Any, Iterator, List, Optional

from skyportal_client._front_door import existence
from skyportal_client._front_door.groups import Groups, GroupsArgument
from skyportal_client._front_door.pages import PAGING_PARAMETERS, walk_pages
from skyportal_client._models import parameters
from skyportal_client.api.comments_api import CommentsApi
from skyportal_client.api.sources_api import SourcesApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiTypeError, ApiValueError
from skyportal_client.model.group import Group
from skyportal_client.model.new_comment import NewComment
from skyportal_client.model.new_source import NewSource
from skyportal_client.model.saved_source import SavedSource
from skyportal_client.model.source import Source

# The most sources SkyPortal returns per page.
MAX_PAGE_SIZE = 500
# What sources.iterate() passes on to api_sources_get: its parameters but those of the pages.
SOURCE_FILTERS = tuple(name for name in inspect.signature(SourcesApi.api_sources_get).parameters
                       if name not in ("self", "kwargs", *PAGING_PARAMETERS))


class Sources:
    """The sources on the server. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = SourcesApi(api_client)
        self._comments = CommentsApi(api_client)
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
        return existence.exists(self.api_client, lambda: self._api.api_sources_obj_id_head(obj_id))

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

    def save(self, obj_id: str, *, groups: GroupsArgument) -> SavedSource:
        """Saves the object ``obj_id`` (a candidate, or a source already) to ``groups`` (names
        or ids, one or a list), keeping its position and its other groups. Safe to repeat:
        saving it again to a group it is saved to changes nothing.

        Returns the server's answer: the id and the groups the source is saved to.
        """
        group_ids = self._group_ids(groups)
        if not group_ids:
            raise ApiValueError(f"save({obj_id!r}) needs groups=: the group names or ids to save the source to")
        return self._save(obj_id, group_ids)

    def groups(self, obj_id: str) -> List[Group]:
        """The groups ``obj_id`` is saved to (or asked to be saved to), sorted by name; not
        those it was removed from. NotFoundException (404) for an object that does not exist."""
        return sorted(self._api.api_sources_obj_id_groups_get(obj_id).data, key=lambda group: group.name)

    def comment(self, obj_id: str, text: str, *, groups: Optional[GroupsArgument] = None) -> int:
        """Adds the comment ``text`` to ``obj_id``, seen by ``groups`` (names or ids; by default
        every group of the token's user). SkyPortal does not deduplicate comments: the same
        call again adds a second one. Returns the comment's id."""
        parameters.check_string("text", text, min_length=1)
        if groups == "all":
            raise ApiValueError('groups="all" is for photometry; a comment is shared with groups by name or id')
        group_ids = self._groups.ids_of(groups)
        comment = NewComment(text=text) if group_ids is None else NewComment(text=text, group_ids=group_ids)
        answer = self._comments.api_associated_resource_type_resource_id_comments_post("sources", obj_id,
                                                                                        new_comment=comment)
        return answer["data"]["comment_id"]

    def search(self, contains: Optional[str] = None, *, page_size: int = 100) -> Iterator[Source]:
        """Every source the token's groups can see whose id (or TNS name) contains ``contains``
        (every source, without it), fetched ``page_size`` at a time as the loop goes on.

        Each source comes once, as ``iterate`` walks the pages.
        """
        parameters.check_string("contains", contains, min_length=1, required=False)
        return self.iterate(source_id=contains, page_size=page_size)

    def iterate(self, *, page_size: int = 100, **filters: Any) -> Iterator[Source]:
        """Every source matching ``filters``, the filters of ``SourcesApi.api_sources_get``
        (such as ``group_ids=[4, 7]`` or ``source_id="ZTF21"``; without them, every source the
        token's groups can see), the most recently saved first, fetched ``page_size`` at a time
        as the loop goes on.

        The matches are those of the first page: SkyPortal keeps them in its query cache, and
        every later page is read from them, so each source comes exactly once, however many
        are saved or removed while the loop runs (those saved meanwhile are not in this walk).
        Raises QueryCacheLostError if the server drops the cache mid-walk after the matches changed.
        """
        parameters.check_integer("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        unknown = sorted(set(filters) - set(SOURCE_FILTERS))
        if unknown:
            raise ApiTypeError(f"sources.iterate() got unknown filter(s) {', '.join(unknown)}; the filters are "
                               f"{', '.join(SOURCE_FILTERS)} (the pages are walked with page_size=)")
        SourcesApi._api_sources_get_options(**filters)  # checks every value before anything is sent
        return walk_pages(self._api.api_sources_get, "sources", page_size, **filters)

    def _group_ids(self, groups: Optional[GroupsArgument]) -> Optional[List[int]]:
        if groups == "all":
            raise ApiValueError('groups="all" is for photometry (it means SkyPortal\'s public group); a source is '
                                "saved to groups by name or id")
        return self._groups.ids_of(groups)  # type: ignore[return-value]

    def _save(self, obj_id: str, group_ids: Optional[List[int]], **fields: Any) -> SavedSource:
        if group_ids is not None:
            fields["group_ids"] = group_ids
        return self._api.api_sources_post(new_source=NewSource(id=obj_id, **fields)).data
