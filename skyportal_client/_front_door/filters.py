"""``SkyPortal.filters``: the alert filters of the token's groups, by name or by id."""

from __future__ import annotations

from typing import Iterable, List, Union

from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client._front_door.names import NameOrId, listed_ids
from skyportal_client.api.filters_api import FiltersApi
from skyportal_client.api_client import ApiClient
from skyportal_client.model.filter import Filter

# What ``filters=`` takes: one filter or several, by name or id.
FiltersArgument = Union[NameOrId, Iterable[NameOrId]]


@keyword_hints
class Filters:
    """The filters of the token's groups. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = FiltersApi(api_client)

    def list(self) -> List[Filter]:
        """The filters of the token's groups, each with its ``group_id`` and ``stream_id``, sorted by name."""
        return sorted(self._api.api_filters_get().data, key=lambda found: found.name)

    def get(self, filter: NameOrId) -> Filter:
        """The filter of that name or id. Raises NameLookupError when the token's groups have
        none of that name or id, with the names it may have meant."""
        return self._api.api_filters_filter_id_get(self.ids_of(filter)[0]).data

    def ids_of(self, filters: FiltersArgument) -> List[int]:
        """``filters`` (one or a list, names or ids) as SkyPortal's ``filter_ids``, checked
        against the token's filters in one request: SkyPortal drops an unknown id without a word."""
        return listed_ids("filter", filters, self.list(), self.api_client.configuration.host)
