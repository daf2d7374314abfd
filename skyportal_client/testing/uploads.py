"""Turning POST/PUT/PATCH photometry bodies into stored points (reference §3, §4.4).

A stored point is a dict with the keys of ``storage.POINT_COLUMNS``: flux and
fluxerr in µJy AB, flux NaN for a non-detection, origin "None" when absent.

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

MAX_ROWS = 10000

REQUIRED_COMMON = ("obj_id", "instrument_id", "mjd", "filter", "magsys")
OPTIONAL_COMMON = ("ra", "dec", "ra_unc", "dec_unc", "origin", "group_ids", "stream_ids", "assignment_id")
MAG_FIELDS = ("mag", "magerr", "limiting_mag", "limiting_mag_nsigma", "magref", "e_magref")
FLUX_FIELDS = ("flux", "fluxerr", "zp", "ref_flux", "ref_fluxerr", "ref_zp")
REQUIRED_FLUX = ("fluxerr", "zp")
# Keys that are never columns: resolved by the handler, or scalars.
NOT_COLUMNS = ("group_ids", "stream_ids", "assignment_id")
NUMERIC_FIELDS = ("mjd", "ra", "dec", "ra_unc", "dec_unc", *MAG_FIELDS, *FLUX_FIELDS)


def _schema_errors(body, space_fields, required):
    """marshmallow-style error dict of a flexible schema: unknown and missing keys."""
    allowed = set(REQUIRED_COMMON) | set(OPTIONAL_COMMON) | set(space_fields)
    errors = {}
    for key in body:
        if key not in allowed:
            errors[key] = ["Unknown field."]
    for key in (*REQUIRED_COMMON, *required):
        if key not in body:
            errors[key] = ["Missing data for required field."]
        elif body[key] is None:
            errors[key] = ["Field may not be null."]
    return dict(sorted(errors.items()))


def _choose_space(body):
    """'mag' or 'flux', trying the schema SkyPortal tries first."""
    mag_errors = _schema_errors(body, MAG_FIELDS, ())
    flux_errors = _schema_errors(body, FLUX_FIELDS, REQUIRED_FLUX)
    order = ("flux", "mag") if "flux" in body and "mag" not in body else ("mag", "flux")
    for space in order:
        if not (mag_errors if space == "mag" else flux_errors):
            return space
    raise ApiError(400, f'Invalid input format: Tried to parse data in mag space, got: "{mag_errors}" '
                        f'Tried to parse data in flux space, got: "{flux_errors}"')


def _columns(body):
    """Broadcast scalars and check list lengths, like ``pd.DataFrame(body)``."""
    columns = {key: value for key, value in body.items() if key not in NOT_COLUMNS}
    lengths = {len(value) for value in columns.values() if isinstance(value, list)}
    if len(lengths) > 1:
        raise ApiError(400, 'Unable to coerce passed JSON to a series of packets. '
                            'Error was: "All arrays must be of the same length"')
    count = lengths.pop() if lengths else 1
    return count, {key: value if isinstance(value, list) else [value] * count
                   for key, value in columns.items()}


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


def _altdata_rows(altdata, count):
    """One altdata dict (or None) per row, from any of the three shapes."""
    if not altdata:
        return [None] * count
    if isinstance(altdata, list):
        if len(altdata) != count or not all(isinstance(item, dict) for item in altdata):
            # pandas raises a ValueError here that SkyPortal does not catch.
            raise ApiError(500, f"Length of values ({len(altdata)}) does not match length of index ({count})")
        rows = altdata
    elif isinstance(altdata, dict):
        for key, value in altdata.items():
            if isinstance(value, list) and len(value) not in (1, count):
                raise ApiError(400, f"{key} in altdata incorrect length")
        rows = [{key: (value[index if len(value) == count else 0] if isinstance(value, list) else value)
                 for key, value in altdata.items()} for index in range(count)]
    else:
        raise ApiError(400, "Invalid altdata: must be an object or a list of objects.")
    cleaned = [{key: value for key, value in row.items() if value not in (None, "")} for row in rows]
    return [row or None for row in cleaned]


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


def parse_upload(body):
    """The standardised points of a POST/PUT body (group_ids already resolved).
    A body whose columns are all empty lists gives no points (not verified
    against SkyPortal).

    Raises ApiError in SkyPortal's validation order: schema, columns, per-row
    values, limiting mags, filters, standardisation, row cap.
    """
    body = dict(body)
    altdata = body.pop("altdata", None)
    if body.pop("extinction_corrected", None) not in (None, False, "false", "no", "0", 0):
        raise ApiError(400, "extinction_corrected is not supported by the embedded test server "
                            "(it has no dust maps)")
    space = _choose_space(body)
    count, columns = _columns(body)
    rows = [{key: values[index] for key, values in columns.items()} for index in range(count)]
    for row in rows:
        for key in NUMERIC_FIELDS:
            if key in row:
                row[key] = _number(row, key, row[key])
        row["instrument_id"] = _integer(row, "instrument_id", row["instrument_id"])
        _required(row, "mjd")
        for key in ("obj_id", "filter", "magsys"):
            _text(row, key, row[key])
    _check_filters({row["filter"] for row in rows})
    points = []
    for row, altdata_row in zip(rows, _altdata_rows(altdata, count)):
        flux, fluxerr, ref_flux, ref_fluxerr, original = _standardize(row, space, row["magsys"], row["filter"])
        points.append({
            "obj_id": row["obj_id"], "instrument_id": row["instrument_id"],
            "origin": "None" if row.get("origin") is None else str(row["origin"]),
            "mjd": row["mjd"], "flux": flux, "fluxerr": fluxerr, "filter": row["filter"],
            "ra": row.get("ra"), "dec": row.get("dec"),
            "ra_unc": row.get("ra_unc"), "dec_unc": row.get("dec_unc"),
            "ref_flux": ref_flux, "ref_fluxerr": ref_fluxerr,
            "altdata": altdata_row, "original_user_data": original,
        })
    if len(points) > MAX_ROWS:
        raise ApiError(400, f"Maximum number of photometry rows to post exceeded: {len(points)} > "
                            f"{MAX_ROWS}. Please break up the data into smaller sets and try again")
    return points


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
