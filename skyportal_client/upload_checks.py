"""Every check SkyPortal makes on uploaded photometry, made on all rows before anything is sent.

SkyPortal refuses a whole request for one bad row and names only the first;
checking here finds every problem in one pass and names each row and column.

Example::

    >>> from skyportal_client.upload_checks import check_rows
    >>> columns = {"obj_id": ["ZTF21a", "ZTF21a"], "instrument_id": [1, 1], "mjd": [59400.1, 59400.2],
    ...            "filter": ["ztfg", "ztfg"], "magsys": ["ab", "ab"], "mag": [19.1, None], "magerr": [0.05, None]}
    >>> check_rows(columns, instrument_filters={1: ["ztfg", "ztfr"]})
    Traceback (most recent call last):
    ...
    skyportal_client.upload_checks.UploadValidationError: 1 problem in the photometry; nothing was sent:
      row 1, limiting_mag: a non-detection (mag empty) needs a limiting_mag
"""

import math
import re

from skyportal_client.conversions import INPUT_LIMIT_NSIGMA, ZERO_POINT, limiting_mag_to_fluxerr, mag_to_flux
from skyportal_client.exceptions import ApiValueError
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload

COMMON_COLUMNS = ("obj_id", "instrument_id", "mjd", "filter", "magsys", "origin", "ra", "dec", "ra_unc", "dec_unc")
MAG_COLUMNS = ("mag", "magerr", "limiting_mag", "limiting_mag_nsigma", "magref", "e_magref")
FLUX_COLUMNS = ("flux", "fluxerr", "zp", "ref_flux", "ref_fluxerr", "ref_zp")
TEXT_COLUMNS = ("obj_id", "filter", "magsys", "origin")
MAGNITUDE_SYSTEMS = PhotometryMagUpload.fields["magsys"].enum  # as openapi.yaml lists them
# SkyPortal's route for an object's photometry only matches these characters.
OBJ_ID_PATTERN = re.compile(r"[0-9A-Za-z._+-]+")  # matched whole (fullmatch): no trailing newline slips by
# Columns whose values must be greater than zero when present.
POSITIVE_COLUMNS = ("magerr", "fluxerr", "limiting_mag_nsigma", "e_magref", "ref_fluxerr")
MAX_LISTED_PROBLEMS = 20


class UploadValidationError(ApiValueError):
    """Rows SkyPortal would refuse; nothing was sent.

    ``problems`` lists them all as (row, column, text) tuples; row is the position
    in the input counted from 0, or None for a problem with a whole column.
    """

    def __init__(self, problems):
        self.problems = problems
        count = len(problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the photometry; nothing was sent:"]
        for row, column, text in problems[:MAX_LISTED_PROBLEMS]:
            where = f"column {column}" if row is None else f"row {row}, {column}"
            lines.append(f"  {where}: {text}")
        if count > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {count - MAX_LISTED_PROBLEMS} more (all in .problems)")
        super().__init__("\n".join(lines))


def is_integer_id(value):
    """True for an int, or a float with no fraction (CSV and pandas turn ids into floats); never a bool."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def photometry_space(columns):
    """"mag" or "flux": which kind of upload the column names make.

    Raises UploadValidationError when they make neither or both."""
    mag = [name for name in MAG_COLUMNS if name in columns]
    flux = [name for name in FLUX_COLUMNS if name in columns]
    if mag and flux:
        raise UploadValidationError([(None, ", ".join(mag + flux), (
            "magnitude and flux columns are mixed; one upload is all magnitudes (mag, magerr, "
            "limiting_mag) or all fluxes (flux, fluxerr, zp): drop one set"))])
    if not mag and not flux:
        raise UploadValidationError([(None, "mag/flux", (
            "no photometry: give mag, magerr and limiting_mag columns, or flux, fluxerr and zp"))])
    return "mag" if mag else "flux"


def check_rows(columns, instrument_filters):
    """Raise UploadValidationError listing every problem in ``columns``, or return the space ("mag"/"flux").

    ``columns`` maps each column to its list of values (see ``tables.read_columns``),
    with obj_id, instrument_id and magsys already filled in.  ``instrument_filters``
    maps each instrument id to the filters it accepts, or to None when any filter goes
    (instruments that are not imagers); an id missing from it is an unknown instrument.
    """
    space = photometry_space(columns)
    known = set(COMMON_COLUMNS) | set(MAG_COLUMNS if space == "mag" else FLUX_COLUMNS)
    problems = [(None, name, "SkyPortal does not accept this column; drop or rename it")
                for name in columns if name not in known]
    required = ("obj_id", "instrument_id", "mjd", "filter", "magsys") + (("fluxerr", "zp") if space == "flux" else ())
    problems += [(None, name, "required column is missing") for name in required if name not in columns]
    if problems:
        raise UploadValidationError(problems)
    row_count = len(columns["mjd"])
    first_row_of_point = {}
    for row in range(row_count):
        values = {name: column[row] for name, column in columns.items()}
        row_problems = _check_row(values, space, instrument_filters)
        problems += [(row, column, text) for column, text in row_problems]
        if not row_problems:
            key = _deduplication_key(values, space)
            if key in first_row_of_point:
                problems.append((row, "mjd", (
                    f"the same point as row {first_row_of_point[key]} (SkyPortal keeps one point per object, "
                    "instrument, origin, mjd, flux and flux error); remove one")))
            first_row_of_point.setdefault(key, row)
    if problems:
        raise UploadValidationError(problems)
    return space


def _check_row(values, space, instrument_filters):
    """(column, text) for each problem in one row."""
    problems = []
    for name, value in values.items():
        if name in TEXT_COLUMNS:
            if value is not None and not isinstance(value, str):
                problems.append((name, f"must be text, not {type(value).__name__} {value!r}"))
        elif name == "instrument_id":
            if not is_integer_id(value):
                problems.append((name, f"must be an instrument's integer id, not {value!r}"))
        elif value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append((name, f"must be a number, not {type(value).__name__} {value!r}"))
        elif value is not None and not math.isfinite(value):
            problems.append((name, f"is {value!r}; SkyPortal stores finite numbers only (leave it empty if missing)"))
        elif name in POSITIVE_COLUMNS and value is not None and value <= 0:
            problems.append((name, f"must be greater than 0, not {value!r}"))
    if problems:
        return problems
    for name in ("obj_id", "mjd", "filter", "magsys"):
        if values[name] is None:
            problems.append((name, "is empty; every row needs one"))
    if values["obj_id"] is not None and not OBJ_ID_PATTERN.fullmatch(values["obj_id"]):
        problems.append(("obj_id", f"{values['obj_id']!r} is not a SkyPortal object id (letters, digits, . _ + -)"))
    if values["magsys"] is not None and values["magsys"].lower() not in MAGNITUDE_SYSTEMS:
        problems.append(("magsys", f"{values['magsys']!r} is not one of {', '.join(MAGNITUDE_SYSTEMS)}"))
    instrument_id = int(values["instrument_id"])
    if instrument_id not in instrument_filters:
        problems.append(("instrument_id", f"there is no instrument {instrument_id} on the server"))
    elif values["filter"] is not None and instrument_filters[instrument_id] is not None \
            and values["filter"] not in instrument_filters[instrument_id]:
        accepted = ", ".join(instrument_filters[instrument_id])
        problems.append(("filter", f"instrument {instrument_id} has no filter {values['filter']!r} (it has {accepted})"))
    if space == "mag":
        problems += _check_magnitudes(values)
    elif values["fluxerr"] is None or values["zp"] is None:
        problems += [(name, "is empty; every flux row needs one") for name in ("fluxerr", "zp") if values[name] is None]
    return problems


def _check_magnitudes(values):
    mag, magerr = values.get("mag"), values.get("magerr")
    if (mag is None) != (magerr is None):
        return [("magerr" if magerr is None else "mag",
                 "mag and magerr go together: give both for a detection, neither for a non-detection")]
    if mag is None and values.get("limiting_mag") is None:
        return [("limiting_mag", "a non-detection (mag empty) needs a limiting_mag")]
    return []


def _deduplication_key(values, space):
    """What SkyPortal compares to find the same point twice: the object, instrument,
    origin, mjd and the flux and flux error it would store.

    The stored flux is known here only for AB magnitudes on zero point 23.9; in other
    systems the band enters the conversion, so the filter and system join the key.
    """
    magsys = values["magsys"].lower()
    if space == "mag":
        if values.get("mag") is None:
            nsigma = values.get("limiting_mag_nsigma") or INPUT_LIMIT_NSIGMA
            flux, fluxerr = None, limiting_mag_to_fluxerr(values["limiting_mag"], nsigma)
        else:
            flux, fluxerr = mag_to_flux(values["mag"], values["magerr"])
        zp = ZERO_POINT
    else:
        flux, fluxerr, zp = values["flux"], values["fluxerr"], values["zp"]
    band = None if magsys == "ab" and zp == ZERO_POINT else (values["filter"], magsys, zp)
    origin = values.get("origin") or "None"  # SkyPortal stores a missing origin as the text "None"
    return (values["obj_id"], int(values["instrument_id"]), origin, values["mjd"], flux, fluxerr, band)
