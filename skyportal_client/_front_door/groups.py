"""``SkyPortal.groups``: the groups data is shared with, by name or by id."""

from __future__ import annotations

from typing import Callable, Iterable, List, Literal, Optional, Union

from skyportal_client._front_door.names import NameOrId, a_name, name_or_id, one_named
from skyportal_client._uploads.server_reads import ServerReads
from skyportal_client.api.groups_api import GroupsApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiValueError, NameLookupError
from skyportal_client.model.group import Group
from skyportal_client.model.group_lists import GroupLists

# What ``groups=`` takes: "all" (SkyPortal's word for its public group), one group, or several.
GroupsArgument = Union[Literal["all"], NameOrId, Iterable[NameOrId]]


class Groups:
    """The groups on the server. Every method sends its requests through ``api_client``;
    with ``reads``, the groups are read through those of one upload, once."""

    def __init__(self, api_client: ApiClient, reads: Optional[ServerReads] = None):
        self.api_client = api_client
        api = GroupsApi(api_client)
        self._lists: Callable[[], GroupLists] = reads.group_lists if reads else lambda: api.api_groups_get().data

    def list(self) -> List[Group]:
        """The groups the token can share data with, sorted by name: those its user may
        access (every group, for an admin) and the user's own single-user group."""
        return _usable(self._lists())

    def find(self, name: str) -> Group:
        """The group called exactly ``name`` that the token can share data with.

        Raises NameLookupError when there is none, saying why: a group of that name the
        user may not use, or the names it may have meant.
        """
        return self._named(a_name("name", name), self._lists())

    def ids_of(self, groups: Optional[GroupsArgument]) -> Union[List[int], Literal["all"], None]:
        """``groups`` as SkyPortal's ``group_ids``: "all" and None as they are, one group or
        several (names or ids, mixed) as a list of ids without repeats. The names cost one
        request for all of them; ids are passed on as they are (the server checks them)."""
        if groups is None:
            return None
        if groups == "all":
            return "all"
        if isinstance(groups, (str, int)) or hasattr(groups, "__index__"):
            values = [name_or_id("groups", groups)]
        else:
            values = [name_or_id("each of groups", group) for group in groups]
            if "all" in values:
                raise ApiValueError('groups: "all" stands alone (groups="all": SkyPortal\'s public group), not '
                                    "in a list: to share with the public group and others, list the public "
                                    "group's name or id with them")
        names = list(dict.fromkeys(value for value in values if isinstance(value, str)))
        found = {}
        if names:
            lists = self._lists()
            found = {name: self._named(name, lists).id for name in names}
        return list(dict.fromkeys(found[value] if isinstance(value, str) else value for value in values))

    def _named(self, name: str, lists: GroupLists) -> Group:
        usable = _usable(lists)
        named = [group for group in usable if group.name == name]
        host = self.api_client.configuration.host
        if not named:
            elsewhere = [group for group in lists.all_groups if group.name == name]
            if elsewhere:
                raise NameLookupError(
                    f"Group {name!r} (id {elsewhere[0].id}) exists on {host}, but the token's user may not share "
                    "data with it: ask one of the group's admins to add the user", kind="group", name=name,
                    candidates=((name, elsewhere[0].id),))
        return one_named("group", name, named, lambda: usable, host, known_as="the groups the token can share with")


def _usable(lists: GroupLists) -> List[Group]:
    """The groups of ``lists`` the token can share data with, each once, sorted by name."""
    by_id = {group.id: group for group in lists.user_accessible_groups + lists.user_groups}
    return sorted(by_id.values(), key=lambda group: group.name)
