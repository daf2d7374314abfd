"""The setup calls that make photometry usable: telescopes, instruments,
groups and sources.  Only creation (and reading instruments) is emulated,
with the request and response shapes SkyPortal uses."""

from . import envelope
from .bandpasses import ALLOWED_BANDPASSES
from .base import Handler
from .envelope import ApiError

INSTRUMENT_TYPES = ("imager", "spectrograph", "imaging spectrograph")


def _missing_fields_error(data, required):
    missing = [key for key in required if data.get(key) is None]
    if missing:
        raise ApiError(400, "Invalid/missing parameters: "
                            f"{ {key: ['Missing data for required field.'] for key in missing} }")


def _number_or_none(data, key):
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ApiError(400, f"Invalid/missing parameters: { {key: ['Not a valid number.']} }")
    return value


class TelescopeHandler(Handler):
    def post(self):
        data = self.get_json()
        _missing_fields_error(data, ("name", "nickname", "diameter"))
        fields = {key: _number_or_none(data, key) for key in ("lat", "lon", "elevation", "diameter")}
        fields.update(name=str(data["name"]), nickname=str(data["nickname"]),
                      robotic=bool(data.get("robotic", False)),
                      fixed_location=bool(data.get("fixed_location", True)))
        return envelope.success({"id": self.store.create_telescope(fields)})


class InstrumentHandler(Handler):
    def post(self):
        data = self.get_json()
        _missing_fields_error(data, ("name", "type", "telescope_id"))
        if data["type"] not in INSTRUMENT_TYPES:
            raise ApiError(400, f"Invalid/missing parameters: {{'type': ['Must be one of: "
                                f"{', '.join(INSTRUMENT_TYPES)}.']}}")
        filters = data.get("filters") or []
        if not isinstance(filters, list) or not all(isinstance(name, str) for name in filters):
            raise ApiError(400, "Invalid/missing parameters: {'filters': ['Not a valid list.']}")
        unknown = set(filters) - ALLOWED_BANDPASSES
        if unknown:
            raise ApiError(400, f"Filter(s) {unknown} is not allowed. "
                                f"Allowed filters are: {sorted(ALLOWED_BANDPASSES)}")
        if isinstance(data["telescope_id"], bool) or not isinstance(data["telescope_id"], int) \
                or not self.store.telescope_exists(data["telescope_id"]):
            raise ApiError(400, f"Invalid telescope ID: {data['telescope_id']}")
        instrument_id = self.store.create_instrument({
            "name": str(data["name"]), "type": data["type"], "band": data.get("band"),
            "telescope_id": data["telescope_id"], "filters": filters,
        })
        if instrument_id is None:
            raise ApiError(400, f"Instrument name {data['name']} already exists.")
        return envelope.success({"id": instrument_id})

    def get(self, instrument_id=None):
        if instrument_id is None:
            raise ApiError(400, "Listing instruments is not emulated by the embedded test server.")
        instrument = self.store.get_instrument(int(instrument_id))
        if instrument is None:
            raise ApiError(400, f"Could not load instrument with ID {instrument_id}")
        return envelope.success(instrument)


class GroupHandler(Handler):
    def post(self):
        data = self.get_json()
        _missing_fields_error(data, ("name",))
        group_id = self.store.create_group(str(data["name"]), data.get("nickname"), self.caller)
        if group_id is None:
            raise ApiError(400, "Duplicate group name.")
        return envelope.success({"id": group_id})


class SourceHandler(Handler):
    def post(self):
        data = self.get_json()
        _missing_fields_error(data, ("id", "ra", "dec"))
        ra, dec = _number_or_none(data, "ra"), _number_or_none(data, "dec")
        group_ids = data.get("group_ids")
        if group_ids is None:
            group_ids = sorted(self.store.member_group_ids(self.caller))
        if not isinstance(group_ids, list) or not all(
                isinstance(group_id, int) and not isinstance(group_id, bool) for group_id in group_ids):
            raise ApiError(400, "Invalid group_ids: must be a list of integers.")
        missing = set(group_ids) - self.store.existing_group_ids(group_ids)
        if missing:
            raise ApiError(400, f"Invalid group IDs: {missing}")
        self.store.create_obj(str(data["id"]), ra, dec, group_ids)
        return envelope.success({"id": str(data["id"]), "saved_to_groups": group_ids})
