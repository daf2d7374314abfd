"""``SkyPortal.streams``: the alert streams photometry and filters come from, by name or by id."""

from __future__ import annotations

from typing import Iterable, List, Union

from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client._front_door.names import NameOrId, listed_ids
from skyportal_client.api.streams_api import StreamsApi
from skyportal_client.api_client import ApiClient
from skyportal_client.model.stream import Stream

# What ``streams=`` takes: one stream or several, by name or id.
StreamsArgument = Union[NameOrId, Iterable[NameOrId]]


@keyword_hints
class Streams:
    """The streams the token's user may read. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = StreamsApi(api_client)

    def list(self) -> List[Stream]:
        """The streams the token's user may read (every stream, for a system admin), sorted by name."""
        return sorted(self._api.api_streams_get().data, key=lambda stream: stream.name)

    def get(self, stream: NameOrId) -> Stream:
        """The stream of that name or id. Raises NameLookupError when the token's user may not
        read one of that name or id, with the names it may have meant."""
        return self._api.api_streams_stream_id_get(self.ids_of(stream)[0]).data

    def ids_of(self, streams: StreamsArgument) -> List[int]:
        """``streams`` (one or a list, names or ids) as SkyPortal's ``stream_ids``, checked
        against the streams the user may read, in one request: SkyPortal refuses any other
        with "Invalid stream IDs", whether it does not exist or the user lacks access."""
        return listed_ids("stream", streams, self.list(), self.api_client.configuration.host)
