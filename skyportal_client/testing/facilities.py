"""/api/telescope and /api/instrument: create, read by id, list by name.

SkyPortal validates a telescope body with pydantic (lax mode: numeric
strings and booleans become floats, "yes"/1 become True, unknown keys are
refused) and an instrument body with a marshmallow schema that does not look
inside ``filters``: an unknown bandpass only fails when PostgreSQL casts it
to the enum, as a 500.
"""

import datetime
import math
from collections.abc import Mapping
from typing import Any

from . import envelope, sky
from .bandpasses import BANDPASS_NAMES
from .base import Handler
from .catalog import NameTaken
from .clock import utcnow
from .envelope import ApiError

INSTRUMENT_TYPES = ("imager", "spectrograph", "imaging spectrograph")
# Instrument columns stored as given and read back, without further checks.
INSTRUMENT_EXTRA_COLUMNS = ("sensitivity_data", "configuration_data", "api_classname", "api_classname_obsplan",
                            "listener_classname", "treasuremap_id", "tns_id", "across_id")
# Keys SkyPortal turns into fields, regions and references: not emulated.
INSTRUMENT_FIELD_KEYS = ("field_data", "field_region", "field_fov_type", "field_fov_attributes", "references")
TELESCOPE_FIELDS = ("name", "nickname", "diameter", "lat", "lon", "elevation", "skycam_link", "weather_link",
                    "robotic", "fixed_location")
TELESCOPE_REQUIRED = ("name", "nickname", "diameter")
TELESCOPE_TEXT = ("name", "nickname", "skycam_link", "weather_link")
TELESCOPE_NUMBERS = ("diameter", "lat", "lon", "elevation")
TRUE_WORDS = ("1", "on", "t", "true", "y", "yes")
FALSE_WORDS = ("0", "f", "false", "n", "no", "off")
# Key orders of SkyPortal's answers.
TELESCOPE_KEYS = ("lat", "nickname", "elevation", "diameter", "weather_link", "robotic", "id", "lon", "name",
                  "mpc_obscode", "skycam_link", "fixed_location", "modified", "created_at")
INSTRUMENT_KEYS = ("type", "last_status_update", "has_fields", "api_classname", "has_region", "band",
                   "api_classname_obsplan", "region", "id", "telescope_id", "listener_classname", "modified",
                   "filters", "treasuremap_id", "created_at", "sensitivity_data", "tns_id", "name",
                   "configuration_data", "across_id")


class _Invalid(Exception):
    """One pydantic error: the message for its field."""


def _lax_float(value: object) -> float:
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _Invalid("Input should be a valid number, unable to parse string as a number") from None
    raise _Invalid("Input should be a valid number")


def _lax_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    if isinstance(value, (int, float, str)):
        raise _Invalid("Input should be a valid boolean, unable to interpret input")
    raise _Invalid("Input should be a valid boolean")


def _telescope_body(data: Mapping[str, Any]) -> dict[str, Any]:
    """The validated TelescopePostBody fields that were given (pydantic's
    exclude_unset), or ApiError 400 listing every error as SkyPortal does."""
    fields: dict[str, Any] = {}
    errors: list[str] = []
    for key in TELESCOPE_FIELDS:
        if key not in data:
            if key in TELESCOPE_REQUIRED:
                errors.append(f"{key}: Field required")
            continue
        value = data[key]
        try:
            if value is None and key not in TELESCOPE_REQUIRED and key != "robotic":
                fields[key] = None
            elif key in TELESCOPE_TEXT:
                if not isinstance(value, str):
                    raise _Invalid("Input should be a valid string")
                fields[key] = value
            elif key in TELESCOPE_NUMBERS:
                fields[key] = _lax_float(value)
            else:
                fields[key] = _lax_bool(value)
        except _Invalid as exc:
            errors.append(f"{key}: {exc}")
    errors += [f"{key}: Extra inputs are not permitted" for key in data if key not in TELESCOPE_FIELDS]
    if errors:
        raise ApiError(400, f"Invalid/missing parameters: {'; '.join(errors)}")
    return fields


def _unique_violation(table: str, name: object) -> ApiError:
    """The 500 SkyPortal answers when a unique name is inserted twice (the
    statement is shown short, without its parameters)."""
    return ApiError(500, f'(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint '
                         f'"{table}_name_key"\nDETAIL:  Key (name)=({name}) already exists.\n'
                         f"[SQL: INSERT INTO {table} (name, ...) VALUES (%(name)s::VARCHAR, ...) RETURNING {table}.id]\n"
                         "(Background on this error at: https://sqlalche.me/e/20/gkpj)")


def _telescope_dict(telescope: Mapping[str, Any]) -> dict[str, Any]:
    return {key: telescope.get(key) for key in TELESCOPE_KEYS}


def _instrument_dict(instrument: Mapping[str, Any]) -> dict[str, Any]:
    values = {"has_fields": False, "has_region": False, **instrument, **instrument["properties"]}
    return {key: values.get(key) for key in INSTRUMENT_KEYS}


def night_times(telescope: Mapping[str, Any], now: datetime.datetime | None = None) -> dict[str, bool | str]:
    """is_night_astronomical, morning and evening as SkyPortal's
    Telescope.current_time gives them (the next -18 degree twilights)."""
    if not (telescope["fixed_location"] and None not in (telescope["lat"], telescope["lon"],
                                                         telescope["elevation"])
            and math.isfinite(telescope["lat"]) and math.isfinite(telescope["lon"])):
        return {"is_night_astronomical": False, "morning": False, "evening": False}
    now = now or utcnow()
    lat, lon = telescope["lat"], telescope["lon"]
    morning = sky.next_crossing(now, lat, lon, sky.ASTRONOMICAL_TWILIGHT_ALTITUDE, rising=True)
    evening = sky.next_crossing(now, lat, lon, sky.ASTRONOMICAL_TWILIGHT_ALTITUDE, rising=False)
    return {
        "is_night_astronomical": bool(morning and evening and morning < evening),
        "morning": sky.astropy_iso(morning) if morning else False,
        "evening": sky.astropy_iso(evening) if evening else False,
    }


class TelescopeHandler(Handler):
    def post(self) -> envelope.Response:
        fields = _telescope_body(self.get_json())
        if fields.get("fixed_location"):
            lat, lon, elevation = (fields.get(key) for key in ("lat", "lon", "elevation"))
            if lat is None or lon is None or elevation is None:
                raise ApiError(400, "Missing latitude, longitude, or elevation; required if the telescope is fixed")
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and elevation >= 0):
                raise ApiError(400, "Latitude must be between -90 and 90, longitude between -180 and 180, "
                                    "and elevation must be positive")
        stored = {key: fields.get(key) for key in TELESCOPE_FIELDS}
        stored["robotic"] = int(fields.get("robotic", False))
        # The column's server default applies when fixed_location is left out.
        stored["fixed_location"] = int(fields.get("fixed_location", True) is not False)
        try:
            return envelope.success({"id": self.store.create_telescope(stored)})
        except NameTaken:
            raise _unique_violation("telescopes", fields["name"]) from None

    def get(self, telescope_id: str | None = None) -> envelope.Response:
        if telescope_id is not None:
            found = self.store.telescopes("id = ?", (int(telescope_id),))
            if not found:
                raise ApiError(400, f"Could not load telescope with ID {telescope_id}")
            instruments = self.store.instruments("telescope_id = ?", (found[0]["id"],))
            return envelope.success({**_telescope_dict(found[0]),
                                     "instruments": [_instrument_dict(item) for item in instruments],
                                     "allocations": []})
        conditions: list[str] = []
        params: list[object] = []
        name = self.get_query_argument("name")
        if name is not None:
            conditions.append("name = ?")
            params.append(name)
        for argument, condition in (("latitudeMin", "lat >= ?"), ("latitudeMax", "lat <= ?"),
                                    ("longitudeMin", "lon >= ?"), ("longitudeMax", "lon <= ?")):
            bound = self.get_float_argument(argument)
            if bound is not None:
                conditions.append(condition)
                params.append(bound)
        now = utcnow()
        telescopes = []
        for telescope in self.store.telescopes(" AND ".join(conditions) or "1", tuple(params)):
            instruments = self.store.instruments("telescope_id = ?", (telescope["id"],))
            telescopes.append({**_telescope_dict(telescope),
                               "instruments": [_instrument_dict(item) for item in instruments],
                               **night_times(telescope, now), "allocations": []})
        return envelope.success(telescopes)


def _instrument_schema_errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The marshmallow errors of the fields the embedded server stores."""
    errors: dict[str, list[str]] = {}
    if data.get("name") is None:
        errors["name"] = ["Missing data for required field." if "name" not in data else "Field may not be null."]
    elif not isinstance(data["name"], str):
        errors["name"] = ["Not a valid string."]
    if data.get("type") is None:
        errors["type"] = ["Missing data for required field." if "type" not in data else "Field may not be null."]
    elif data["type"] not in INSTRUMENT_TYPES:
        errors["type"] = [f"Must be one of: {', '.join(INSTRUMENT_TYPES)}."]
    if data.get("band") is not None and not isinstance(data["band"], str):
        errors["band"] = ["Not a valid string."]
    if isinstance(data.get("telescope_id"), bool):
        errors["telescope_id"] = ["Not a valid integer."]
    if "filters" in data and not isinstance(data["filters"], list):
        errors["filters"] = ["Not a valid list."]
    for key in data:
        if key not in ("name", "type", "band", "telescope_id", "filters", *INSTRUMENT_EXTRA_COLUMNS):
            errors[key] = ["Unknown field."]
    return errors


def _enum_lookup_error(value: object) -> ApiError:
    """SQLAlchemy's LookupError for a value outside the bandpasses enum, as
    SkyPortal's 500 starts (SQLAlchemy shows the first three names and the last)."""
    shown = [name if len(name) <= 11 else f"{name[:11]}.." for name in (*BANDPASS_NAMES[:3], BANDPASS_NAMES[-1])]
    return ApiError(500, f"(builtins.LookupError) '{value}' is not among the defined enum values. Enum name: "
                         f"bandpasses. Possible values: {', '.join(shown[:3])}, ..., {shown[3]}\n"
                         "[SQL: INSERT INTO instruments (name, type, band, telescope_id, filters, ...) "
                         "VALUES (...) RETURNING instruments.id]")


class InstrumentHandler(Handler):
    def post(self) -> envelope.Response:
        data = self.get_json()
        telescope_id = data.get("telescope_id")
        try:
            telescope_id = int(telescope_id) if telescope_id is not None else None
        except (TypeError, ValueError):
            raise ApiError(400, f"Invalid telescope_id: {telescope_id}") from None
        if telescope_id is None or not self.store.telescopes("id = ?", (telescope_id,)):
            raise ApiError(400, f"No telescope with id {telescope_id}")
        given = [key for key in INSTRUMENT_FIELD_KEYS if data.get(key) is not None]
        if given:
            raise ApiError(400, f"{', '.join(given)}: instrument fields, regions and references are not "
                                "emulated by the embedded test server")
        errors = _instrument_schema_errors(data)
        if errors:
            raise ApiError(400, f"Invalid/missing parameters: {errors}")
        if self.store.instruments("name = ? AND telescope_id = ?", (data["name"], telescope_id)):
            raise ApiError(400, f"Instrument with name {data['name']} already exists for telescope {telescope_id}")
        filters = data.get("filters") or []
        unknown = next((value for value in filters if value not in BANDPASS_NAMES), None)
        if unknown is not None:
            raise _enum_lookup_error(unknown)
        try:
            instrument_id = self.store.create_instrument({
                "name": data["name"], "type": data["type"], "band": data.get("band"),
                "telescope_id": telescope_id, "filters": filters,
                "properties": {key: data[key] for key in INSTRUMENT_EXTRA_COLUMNS if key in data}})
        except NameTaken:
            raise _unique_violation("instruments", data["name"]) from None
        return envelope.success({"id": instrument_id})

    def get(self, instrument_id: str | None = None) -> envelope.Response:
        if instrument_id is not None:
            instrument = self.store.get_instrument(int(instrument_id))
            if instrument is None:
                raise ApiError(400, f"No instrument with ID: {instrument_id}")
            answer = _instrument_dict(instrument)
            # The single GET undefers status, which lands after has_region.
            ordered: dict[str, Any] = {}
            for key, value in answer.items():
                ordered[key] = value
                if key == "has_region":
                    ordered["status"] = None
            return envelope.success({**ordered, "log_exists": False})
        name = self.get_query_argument("name")
        instruments = self.store.instruments(*(("name = ?", (name,)) if name is not None else ()))
        telescopes = {telescope["id"]: telescope for telescope in self.store.telescopes()}
        return envelope.success([
            {**_instrument_dict(instrument), "telescope": _telescope_dict(telescopes[instrument["telescope_id"]]),
             "number_of_fields": 0, "region_summary": "", "log_exists": False}
            for instrument in instruments])
