"""What one upload reads from the server, each thing once: the instruments of its rows
(their type and filters, for the checks) and the token's groups (its single-user group,
to size the requests).

An instrument looked up by name for the upload (``instruments_named``) is then known
by its id as well: SkyPortal's answer to a lookup by name
(``InstrumentsApi.api_instrument_get(name=...)``) carries each instrument's type and
filters, as the answer for one id does.
"""

from typing import Dict, List, Optional

from skyportal_client.api.groups_api import GroupsApi
from skyportal_client.api.instruments_api import InstrumentsApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import BadRequestException
from skyportal_client.model.group_lists import GroupLists
from skyportal_client.model.instrument import Instrument


class ServerReads:
    """The server's answers for one upload through ``api_client``, each asked for once."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._instruments_api = InstrumentsApi(api_client)
        self._groups_api = GroupsApi(api_client)
        self._instruments: Dict[int, Optional[Instrument]] = {}
        self._group_lists: Optional[GroupLists] = None

    def instrument(self, instrument_id: int) -> Optional[Instrument]:
        """The instrument with this id, or None when the server has none."""
        if instrument_id not in self._instruments:
            try:
                found: Optional[Instrument] = self._instruments_api.api_instrument_instrument_id_get(instrument_id).data
            except BadRequestException:  # SkyPortal's answer for an unknown instrument
                found = None
            self._instruments[instrument_id] = found
        return self._instruments[instrument_id]

    def instruments_named(self, name: str) -> List[Instrument]:
        """The instruments called exactly ``name``."""
        named: List[Instrument] = self._instruments_api.api_instrument_get(name=name).data
        for instrument in named:
            self._instruments[instrument.id] = instrument
        return named

    def group_lists(self) -> GroupLists:
        """The groups the token's user belongs to, may access, and all of them."""
        if self._group_lists is None:
            self._group_lists = self._groups_api.api_groups_get().data
        return self._group_lists
