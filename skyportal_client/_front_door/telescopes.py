"""``SkyPortal.telescopes``: the telescopes that carry the instruments, by name or by id."""

from __future__ import annotations

from typing import List

from skyportal_client._front_door.names import a_name, one_named
from skyportal_client.api.telescopes_api import TelescopesApi
from skyportal_client.api_client import ApiClient
from skyportal_client.model.telescope import Telescope


class Telescopes:
    """The telescopes on the server. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = TelescopesApi(api_client)

    def list(self) -> List[Telescope]:
        """Every telescope on the server, with whether it is night there now."""
        return self._api.api_telescope_get().data

    def get(self, telescope_id: int) -> Telescope:
        """The telescope with this id, listing its ``instruments``; BadRequestException (400) when there is none."""
        return self._api.api_telescope_telescope_id_get(telescope_id).data

    def find(self, name: str) -> Telescope:
        """The telescope called exactly ``name`` (its full name, such as "Palomar 48-inch").

        Raises NameLookupError when no telescope has that name, saying which it may
        have meant (a nickname, or the name in other case), or when more than one has it.
        """
        named = self._api.api_telescope_get(name=a_name("name", name)).data
        return one_named("telescope", name, named, self.list, self.api_client.configuration.host)
