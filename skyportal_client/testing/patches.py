"""A PATCH body to the new values of a stored point, as SkyPortal 1.4.0 does it.

SkyPortal loads the body with its PhotometryFlux schema, else PhotometryMag
(typed marshmallow fields, ``partial=True``, unknown keys refused), whose
post_load hooks look up the instrument and object and convert to µJy AB.
The hooks read their keys directly: a key missing from a partial body is a
KeyError that escapes as a 500 naming the key.  Errors inside the hooks land
in the schema's ``_schema`` errors.
"""

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

from .bandpasses import BANDPASS_NAMES
from .catalog import CatalogRecords
from .conversions import (
    ALLOWED_MAGSYSTEMS,
    PHOT_ZP,
    MagsysError,
    limit_to_fluxerr,
    mag_to_flux,
    to_stored_flux,
)
from .envelope import ApiError
from .standardize import validate_fluxerr

# The handler sets these to None when absent, in the order of its set (as observed).
OPTIONAL_KEYS = ("ra", "dec", "assignment_id", "ra_unc", "dec_unc")
# (name, kind, allows null): PhotBase's fields, then each schema's own, in declaration order.
PatchField = tuple[str, str, bool]
BASE_FIELDS: tuple[PatchField, ...] = (
    ("mjd", "float", False), ("magsys", "magsys", False), ("filter", "filter", False),
    ("obj_id", "string", False), ("instrument_id", "integer", False), ("assignment_id", "integer", True),
    ("origin", "raw", True), ("ra", "float", True), ("dec", "float", True), ("ra_unc", "float", True),
    ("dec_unc", "float", True), ("alert_id", "integer", True), ("altdata", "dict", True),
)
FLUX_FIELDS = BASE_FIELDS + (("flux", "float", True), ("fluxerr", "float", False), ("zp", "float", False),
                             ("ref_flux", "raw", True), ("ref_fluxerr", "fluxerr", True), ("ref_zp", "raw", True))
MAG_FIELDS = BASE_FIELDS + (("mag", "float", True), ("magerr", "float", True), ("limiting_mag", "float", False),
                            ("magref", "raw", True), ("e_magref", "raw", True))
DETECTION_THRESHOLD = 3.0  # the n-sigma of a PATCHed limiting mag (config, not the body)

# (flux, fluxerr, ref_flux, ref_fluxerr) as stored: µJy AB, flux NaN for a non-detection.
StoredFluxes = tuple[float, float, float | None, float | None]


class _Invalid(Exception):
    pass


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Invalid("Not a valid number.")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise _Invalid("Number too large." if isinstance(value, int) else "Not a valid number.") from None
    if not math.isfinite(number):
        raise _Invalid("Special numeric values (nan or infinity) are not permitted.")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid("Not a valid integer.")
    try:
        return int(value)  # marshmallow truncates a float; "5.0" does not parse
    except (TypeError, ValueError, OverflowError):
        raise _Invalid("Not a valid integer.") from None


def _enum(value: object, names: Sequence[str]) -> str:
    if not isinstance(value, str):
        raise _Invalid("Not a valid string.")
    if value not in names:
        raise _Invalid(f"Must be one of: {', '.join(names)}.")
    return value


def _deserialize(kind: str, value: Any) -> Any:
    if kind == "float":
        return _float(value)
    if kind == "integer":
        return _integer(value)
    if kind == "string":
        if not isinstance(value, str):
            raise _Invalid("Not a valid string.")
        return value
    if kind == "magsys":
        return _enum(value, ALLOWED_MAGSYSTEMS)
    if kind == "filter":
        return _enum(value, BANDPASS_NAMES)
    if kind == "dict":
        if not isinstance(value, dict):
            raise _Invalid("Not a valid mapping type.")
        return value
    if kind == "fluxerr":
        problem = validate_fluxerr(value)
        if problem:
            raise _Invalid(problem)
    return value


def _load(data: Mapping[str, Any],
          fields: tuple[PatchField, ...]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A partial load: the given keys, deserialised in field order, and the errors."""
    loaded: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, kind, nullable in fields:
        if name not in data:
            continue
        value = data[name]
        if value is None:
            if nullable:
                loaded[name] = None
            else:
                errors[name] = ["Field may not be null."]
            continue
        try:
            loaded[name] = _deserialize(kind, value)
        except _Invalid as exc:
            errors[name] = [str(exc)]
    names = {name for name, _, _ in fields}
    errors.update((key, ["Unknown field."]) for key in data if key not in names)
    return loaded, errors


class _SchemaError(Exception):
    """An error raised in a post_load hook: it becomes {'_schema': [message]}."""


def _references(data: Mapping[str, Any], store: CatalogRecords) -> dict[str, Any]:
    """The instrument and object a post_load hook looks up (KeyError if not given)."""
    instrument = store.get_instrument(data["instrument_id"])
    if not instrument:
        raise _SchemaError(f"Invalid instrument ID: {data['instrument_id']}")
    if not store.obj_exists(data["obj_id"]):
        raise _SchemaError(f"Invalid object ID: {data['obj_id']}")
    return instrument


def _check_filter(data: Mapping[str, Any], instrument: Mapping[str, Any]) -> None:
    if data["filter"] not in instrument["filters"]:
        raise _SchemaError(f"Instrument {instrument['name']} has no filter {data['filter']}.")


def _normalized(flux: float, fluxerr: float, zp: float, data: Mapping[str, Any]) -> tuple[float, float]:
    try:
        return to_stored_flux(flux, fluxerr, zp, data["magsys"], data["filter"])
    except MagsysError as exc:
        raise ApiError(500, str(exc)) from None


def _require(data: Mapping[str, Any], *keys: str) -> None:
    """The KeyError SkyPortal's hooks raise reading a key a partial body lacks."""
    missing = next((key for key in keys if key not in data), None)
    if missing is not None:
        raise KeyError(missing)


def _flux_point(data: Mapping[str, Any], store: CatalogRecords) -> StoredFluxes:
    """PhotometryFlux.parse_flux: the stored values of a flux-space body."""
    _require(data, "filter", "magsys")  # read first, by the hook turning enums back into names
    instrument = _references(data, store)
    _check_filter(data, instrument)
    flux = data.get("flux")
    stored_flux, fluxerr = _normalized(0.0 if flux is None else flux, data["fluxerr"], data["zp"], data)
    ref_flux = ref_fluxerr = None
    if data.get("ref_flux") is not None and data.get("ref_fluxerr") is not None:
        ref_zp = data["ref_zp"] if data.get("ref_zp") is not None else PHOT_ZP
        ref_flux, ref_fluxerr = _normalized(float(data["ref_flux"]), float(data["ref_fluxerr"]), float(ref_zp), data)
    return math.nan if flux is None else stored_flux, fluxerr, ref_flux, ref_fluxerr


def _mag_point(data: Mapping[str, Any], store: CatalogRecords) -> StoredFluxes:
    """PhotometryMag.parse_mag: the stored values of a mag-space body."""
    _require(data, "filter", "magsys", "mag", "magerr")
    if (data["mag"] is None) != (data["magerr"] is None):
        raise _SchemaError(f'Error parsing packet "{data}": mag and magerr must both be null, or both be not null.')
    instrument = _references(data, store)
    if data.get("mjd") is None:
        raise _SchemaError("mjd must be provided and non-null.")
    _check_filter(data, instrument)
    if data["mag"] is not None:
        flux, fluxerr = mag_to_flux(data["mag"], data["magerr"])
    else:
        flux, fluxerr = 0.0, limit_to_fluxerr(data["limiting_mag"], DETECTION_THRESHOLD)
    stored_flux, stored_fluxerr = _normalized(flux, fluxerr, PHOT_ZP, data)
    ref_flux = ref_fluxerr = None
    if data.get("magref") is not None and data.get("e_magref") is not None:
        ref_flux = 10 ** (-0.4 * (data["magref"] - PHOT_ZP))
        ref_flux, ref_fluxerr = _normalized(ref_flux, data["e_magref"] * ref_flux * math.log(10) / 2.5, PHOT_ZP, data)
    return math.nan if data["mag"] is None else stored_flux, stored_fluxerr, ref_flux, ref_fluxerr


def parse_patch(body: Mapping[str, Any], stored: Mapping[str, Any], store: CatalogRecords) -> dict[str, Any]:
    """The new values of a PATCHed point: a dict with ``storage.POINT_COLUMNS``.

    Raises ApiError 400 with SkyPortal's "Invalid input format: Tried to
    parse ..." message when both schemas refuse the body, and KeyError for
    a key the hooks need but the body lacks (SkyPortal's 500).
    """
    data = {key: value for key, value in body.items() if key not in ("group_ids", "stream_ids")}
    original = copy.deepcopy(data)
    for key in OPTIONAL_KEYS:
        data.setdefault(key, None)
    attempts: dict[str, dict[str, list[str]]] = {}
    for name, fields, convert in (("PhotometryFlux", FLUX_FIELDS, _flux_point),
                                  ("PhotometryMag", MAG_FIELDS, _mag_point)):
        loaded, errors = _load(data, fields)
        if not errors:
            try:
                values = convert(loaded, store)
            except _SchemaError as exc:
                errors = {"_schema": [str(exc)]}
            else:
                break
        attempts[name] = errors
    else:
        raise ApiError(400, f'Invalid input format: Tried to parse {data} as PhotometryFlux, got: '
                            f'"{attempts["PhotometryFlux"]}." Tried to parse {data} as PhotometryMag, got: '
                            f'"{attempts["PhotometryMag"]}."')
    flux, fluxerr, ref_flux, ref_fluxerr = values
    origin = loaded.get("origin")
    return {
        "obj_id": loaded["obj_id"], "instrument_id": loaded["instrument_id"], "mjd": loaded["mjd"],
        "filter": loaded["filter"], "flux": flux, "fluxerr": fluxerr, "ref_flux": ref_flux, "ref_fluxerr": ref_fluxerr,
        "origin": origin if isinstance(origin, str) and origin.strip() else stored["origin"],
        "ra": loaded.get("ra"), "dec": loaded.get("dec"), "ra_unc": loaded.get("ra_unc"),
        "dec_unc": loaded.get("dec_unc"),
        "altdata": loaded["altdata"] if loaded.get("altdata") is not None else stored["altdata"],
        "original_user_data": original,
    }
