"""Turning a PATCH body into the new values of a stored point (reference §4.4).

POST and PUT bodies go through ``standardize``; a PATCH goes through
SkyPortal's PhotometryFlux/PhotometryMag schemas instead, emulated here.

Messages follow SkyPortal's where they were observed or read from its source.
Where SkyPortal's wording depends on marshmallow or pandas internals that were
not recorded (per-row type errors), the text here keeps SkyPortal's prefix and
explains the problem in its own words.
"""

import math

from .bandpasses import ALLOWED_BANDPASSES
from .conversions import (
    ALLOWED_MAGSYSTEMS, DEFAULT_INPUT_NSIGMA, PHOT_ZP, MagsysError, limit_to_fluxerr,
    mag_to_flux, to_stored_flux,
)
from .envelope import ApiError


REQUIRED_COMMON = ("obj_id", "instrument_id", "mjd", "filter", "magsys")
MAG_FIELDS = ("mag", "magerr", "limiting_mag", "limiting_mag_nsigma", "magref", "e_magref")
FLUX_FIELDS = ("flux", "fluxerr", "zp", "ref_flux", "ref_fluxerr", "ref_zp")
NUMERIC_FIELDS = ("mjd", "ra", "dec", "ra_unc", "dec_unc", *MAG_FIELDS, *FLUX_FIELDS)


def _bad_row(row, reason):
    return ApiError(400, f'Invalid input format: Error parsing packet "{row}": {reason}')


def _number(row, key, value):
    """A finite float (numeric strings accepted), or None for null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _bad_row(row, f"{key} must be a number, got {value!r}.")
    try:
        number = float(value)
    except ValueError:
        raise _bad_row(row, f"{key} must be a number, got {value!r}.") from None
    if not math.isfinite(number):
        raise _bad_row(row, f"{key} must be finite, got {value!r}.")
    return number


def _required(row, key):
    """The value of a key every row needs; a null is a 400."""
    if row[key] is None:
        raise _bad_row(row, f"{key} may not be null.")
    return row[key]


def _integer(row, key, value):
    """An integer that fits a BIGINT column, as SkyPortal's ids do."""
    number = _number(row, key, value)
    if number is None or number != int(number) or abs(number) >= 2 ** 63:
        raise _bad_row(row, f"{key} must be an integer, got {value!r}.")
    return int(number)


def _text(row, key, value):
    if not isinstance(value, str):
        raise _bad_row(row, f"{key} must be a string, got {value!r}.")
    return value


def _standardize(row, space, magsys, band):
    """(flux, fluxerr, ref_flux, ref_fluxerr, original_user_data) of one row."""
    ref_flux = ref_fluxerr = None
    if space == "mag":
        mag, magerr = row.get("mag"), row.get("magerr")
        if (mag is None) != (magerr is None):
            raise _bad_row(row, "mag and magerr must both be null, or both be not null.")
        limiting_mag = row.get("limiting_mag")
        nsigma = row.get("limiting_mag_nsigma")
        if nsigma is None:
            nsigma = DEFAULT_INPUT_NSIGMA
        elif nsigma <= 0:
            raise _bad_row(row, "limiting_mag_nsigma must be positive.")
        if mag is None:
            if limiting_mag is None:
                raise ApiError(400, "Non-detections (mag=null) require a limiting_mag; "
                                    f"none given for packet {row}")
            flux, fluxerr = math.nan, limit_to_fluxerr(limiting_mag, nsigma)
        else:
            flux, fluxerr = mag_to_flux(mag, magerr)
        if row.get("magref") is not None and row.get("e_magref") is not None:
            ref_flux, ref_fluxerr = mag_to_flux(row["magref"], row["e_magref"])
        zp = ref_zp = PHOT_ZP
        original = {key: row[key] for key in ("limiting_mag", "magsys", "limiting_mag_nsigma")
                    if row.get(key) is not None}
    else:
        flux = math.nan if row.get("flux") is None else row["flux"]
        fluxerr, zp = _required(row, "fluxerr"), _required(row, "zp")
        if not fluxerr > 0 or (row.get("ref_fluxerr") is not None and not row["ref_fluxerr"] > 0):
            raise ApiError(400, "Invalid value: fluxerr must be positive (non-zero)")
        ref_flux, ref_fluxerr = row.get("ref_flux"), row.get("ref_fluxerr")
        ref_zp = PHOT_ZP if row.get("ref_zp") is None else row["ref_zp"]
        original = {"magsys": row["magsys"]}
    try:
        flux, fluxerr = to_stored_flux(flux, fluxerr, zp, magsys, band)
        if ref_flux is not None and ref_fluxerr is not None:
            ref_flux, ref_fluxerr = to_stored_flux(ref_flux, ref_fluxerr, ref_zp, magsys, band)
        else:
            ref_flux = ref_fluxerr = None
    except MagsysError as exc:
        raise ApiError(400, f"Error standardizing photometry data: {exc}") from None
    return flux, fluxerr, ref_flux, ref_fluxerr, original


def _check_filters(filters):
    unknown = set(filters) - ALLOWED_BANDPASSES
    if unknown:
        raise ApiError(400, f"Filter(s) {unknown} is not allowed. "
                            f"Allowed filters are: {sorted(ALLOWED_BANDPASSES)}")


def parse_patch(body, stored):
    """The new values of a PATCHed point (PhotometryFlux, else PhotometryMag).

    Like SkyPortal, the schema is partial but the conversion reads the core
    keys directly, so a missing one raises KeyError, which the caller answers
    with a 500 carrying the bare key.
    """
    fields = {key: value for key, value in body.items() if key not in ("group_ids", "stream_ids")}
    common = set(REQUIRED_COMMON) | {"origin", "ra", "dec", "ra_unc", "dec_unc", "assignment_id",
                                     "alert_id", "altdata"}
    flux_unknown = set(fields) - common - {"flux", "fluxerr", "zp", "ref_flux", "ref_fluxerr", "ref_zp"}
    mag_unknown = set(fields) - common - {"mag", "magerr", "limiting_mag", "magref", "e_magref"}
    if flux_unknown and mag_unknown:
        raise ApiError(400, f'Invalid input format: Tried to parse {fields} as PhotometryFlux, got: '
                            f'"{ {key: ["Unknown field."] for key in sorted(flux_unknown)} }" '
                            f'Tried to parse {fields} as PhotometryMag, got: '
                            f'"{ {key: ["Unknown field."] for key in sorted(mag_unknown)} }"')
    space = "flux" if not flux_unknown else "mag"
    row = {key: _number(fields, key, value) if key in NUMERIC_FIELDS else value
           for key, value in fields.items()}
    # SkyPortal reads these keys directly, in this order: the first one
    # missing is the KeyError it answers with.
    conversion_keys = ("filter", "magsys", "instrument_id", "obj_id", "mjd")
    if space == "flux":
        conversion_keys += ("fluxerr", "zp")
    elif row.get("mag") is None:
        conversion_keys += ("limiting_mag",)
    missing = next((key for key in conversion_keys if key not in row), None)
    if missing is not None:
        raise KeyError(missing)
    band = _text(fields, "filter", row["filter"])
    magsys = _text(fields, "magsys", row["magsys"])
    instrument_id = _integer(fields, "instrument_id", row["instrument_id"])
    obj_id = _text(fields, "obj_id", row["obj_id"])
    mjd = _required(row, "mjd")
    _check_filters({band})
    if magsys not in ALLOWED_MAGSYSTEMS:
        raise ApiError(400, f"Invalid input format: {{'magsys': ['Must be one of: "
                            f"{', '.join(ALLOWED_MAGSYSTEMS)}.']}}")
    flux, fluxerr, ref_flux, ref_fluxerr, _ = _standardize(row, space, magsys, band)
    altdata = fields.get("altdata")
    origin = fields.get("origin")
    return {
        "obj_id": obj_id, "instrument_id": instrument_id, "mjd": mjd, "filter": band,
        "flux": flux, "fluxerr": fluxerr, "ref_flux": ref_flux, "ref_fluxerr": ref_fluxerr,
        "origin": origin if isinstance(origin, str) and origin else stored["origin"],
        "ra": row.get("ra"), "dec": row.get("dec"), "ra_unc": row.get("ra_unc"), "dec_unc": row.get("dec_unc"),
        "altdata": altdata if altdata is not None else stored["altdata"],
        "original_user_data": fields,
    }
