"""``SkyPortal.instruments``: the instruments photometry is taken with, by name or by id."""

from __future__ import annotations

from typing import Callable, List, Optional

from skyportal_client._front_door.names import NameOrId, a_name, name_or_id, one_named
from skyportal_client._uploads.server_reads import ServerReads
from skyportal_client.api.instruments_api import InstrumentsApi
from skyportal_client.api_client import ApiClient
from skyportal_client.model.instrument import Instrument


class Instruments:
    """The instruments on the server. Every method sends its requests through ``api_client``;
    with ``reads``, names are looked up through those of one upload, which keep what they find."""

    def __init__(self, api_client: ApiClient, reads: Optional[ServerReads] = None):
        self.api_client = api_client
        self._api = InstrumentsApi(api_client)
        self._named: Callable[[str], List[Instrument]] = \
            reads.instruments_named if reads else lambda name: self._api.api_instrument_get(name=name).data

    def list(self) -> List[Instrument]:
        """Every instrument on the server, each with its ``telescope``."""
        return self._api.api_instrument_get().data

    def get(self, instrument_id: int) -> Instrument:
        """The instrument with this id; BadRequestException (400) when there is none."""
        return self._api.api_instrument_instrument_id_get(instrument_id).data

    def find(self, name: str) -> Instrument:
        """The instrument called exactly ``name`` (such as "ZTF"), with its ``telescope``.

        Raises NameLookupError when no instrument has that name, saying which names
        it may have meant ("ztf" for "ZTF"), or when more than one has it.
        """
        named = self._named(a_name("name", name))
        return one_named("instrument", name, named, self.list, self.api_client.configuration.host)

    def id_of(self, instrument: NameOrId) -> int:
        """The id of ``instrument``, given by name (looked up with ``find``) or by id (returned as it is)."""
        value = name_or_id("instrument", instrument)
        return self.find(value).id if isinstance(value, str) else value
