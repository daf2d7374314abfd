"""POST/PUT photometry bodies to stored points, as SkyPortal 1.4.0 does it.

SkyPortal validates an upload loosely (marshmallow schemas of untyped
fields), builds a pandas DataFrame, coerces each column with
``pd.to_numeric`` and checks only what it must; PostgreSQL refuses the rest
at insert time.  This module follows the same steps in the same order, so
that the embedded server accepts, coerces, refuses and stores what
SkyPortal does, with the same status (400 for SkyPortal's own checks and
for database errors, 500 for exceptions it does not catch) and message.
What pandas and numpy contribute (column types, numeric parsing, message
texts) is emulated in ``columns``; the traceback frames of database errors
are shaped like SkyPortal's, their last lines are the real ones.

A stored point is a dict with the keys of ``storage.POINT_COLUMNS``: flux
and fluxerr in µJy AB, flux NaN for a non-detection, origin "None" when absent.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import columns as cols
from .bandpasses import ALLOWED_BANDPASSES, BANDPASS_NAMES
from .conversions import (
    DEFAULT_INPUT_NSIGMA,
    PHOT_ZP,
    MagsysError,
    limit_to_fluxerr,
    mag_to_flux,
    to_stored_flux,
)
from .envelope import ApiError
from .tracebacks import DatabaseError

MAX_ROWS = 10000
INT4_MIN, INT4_MAX = -2 ** 31, 2 ** 31 - 1
# The text PostgreSQL's double precision input reads besides plain numbers.
PG_SPECIAL_FLOATS = {"nan": math.nan, "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf,
                     "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}
NOT_GIVEN = object()

# The flexible schemas' fields in their order: (name, required, load_default).
# A required field or one whose default is not None refuses null.
UploadField = tuple[str, bool, object]
BASE_FIELDS: tuple[UploadField, ...] = (
    ("mjd", True, NOT_GIVEN), ("filter", True, NOT_GIVEN), ("obj_id", True, NOT_GIVEN),
    ("instrument_id", True, NOT_GIVEN), ("assignment_id", False, None), ("ra", False, None),
    ("dec", False, None), ("ra_unc", False, None), ("dec_unc", False, None), ("origin", False, None),
    ("group_ids", False, []), ("stream_ids", False, []), ("altdata", False, None),
)
FLUX_FIELDS = BASE_FIELDS + (("magsys", True, NOT_GIVEN), ("flux", False, None), ("fluxerr", True, NOT_GIVEN),
                             ("zp", True, NOT_GIVEN), ("ref_flux", False, None), ("ref_fluxerr", False, None),
                             ("ref_zp", False, NOT_GIVEN))
MAG_FIELDS = BASE_FIELDS + (("magsys", True, NOT_GIVEN), ("mag", False, None), ("magerr", False, None),
                            ("limiting_mag", False, None), ("limiting_mag_nsigma", False, DEFAULT_INPUT_NSIGMA),
                            ("magref", False, None), ("e_magref", False, None))
REQUIRED = {"mag": ("magsys", "mjd", "filter", "obj_id", "instrument_id"),
            "flux": ("magsys", "mjd", "filter", "obj_id", "instrument_id", "fluxerr", "zp")}
FLOAT_COLUMNS = ("mjd", "ra", "dec", "ra_unc", "dec_unc")
NUMPY_TYPE_NAMES = {bool: "numpy.bool", int: "numpy.int64", float: "numpy.float64"}
TRUE_WORDS = ("true", "t", "yes", "y", "1")

# A row's (flux, fluxerr, zp, ref_flux, ref_fluxerr, ref_zp) before standardisation; the zero
# points as given (a string is refused then), ref_flux and ref_fluxerr both None when not given.
Fluxes = tuple[float, float, Any, float | None, float | None, Any]


def _python_repr(value: object) -> str:
    """How a DataFrame cell prints in SkyPortal's packet messages (NaN as None)."""
    return repr(None if cols.is_missing(value) else value)


def _numpy_repr(value: object) -> str:
    """How numpy 2 prints a scalar taken from a column: np.str_('x'), np.int64(5)."""
    if isinstance(value, bool):
        return f"np.{value}_"
    if isinstance(value, str):
        return f"np.str_({value!r})"
    if isinstance(value, int):
        return f"np.int64({value})"
    if isinstance(value, float):
        return f"np.float64({value!r})"
    return repr(value)


def _numpy_str(value: object) -> str:
    """str() of a numpy scalar taken from a column."""
    return str(value)


class Table:
    """The upload's DataFrame: named columns of equal length, in order."""

    def __init__(self, columns: dict[str, cols.Column], count: int) -> None:
        self.columns = columns
        self.count = count

    def row(self, index: int) -> dict[str, Any]:
        return {name: column.values[index] for name, column in self.columns.items()}

    def packet(self, index: int) -> str:
        """df.iloc[index].to_dict() with NaN as None, printed as SkyPortal prints it."""
        items = ", ".join(f"{name!r}: {_python_repr(value)}" for name, value in self.row(index).items())
        return "{" + items + "}"


def _bad_packet(table: Table, index: int, reason: str) -> ApiError:
    return ApiError(400, f'Error parsing packet "{table.packet(index)}": {reason}')


# -- before the DataFrame -------------------------------------------------------

def _max_elements(body: Mapping[str, Any]) -> int:
    lengths = [len(value) for key, value in body.items()
               if isinstance(value, list) and key not in ("group_ids", "stream_ids")]
    return max(lengths + [1])


def _altdata_records(altdata: Mapping[str, Any], count: int) -> list[dict[str, Any]]:
    """A dict altdata as pd.DataFrame(altdata).to_dict("records") gives it,
    after SkyPortal broadcast its values to ``count`` rows."""
    altdata = dict(altdata)
    for key, value in altdata.items():
        if isinstance(value, list):
            if len(value) != count:
                if len(value) != 1:
                    raise ApiError(500, f"{key} in altdata incorrect length")  # a ValueError nobody catches
                altdata[key] = value * count
        elif count > 1:
            altdata[key] = [value] * count
    if any(isinstance(value, list) for value in altdata.values()):
        length = len(next(value for value in altdata.values() if isinstance(value, list)))
        if any(isinstance(value, dict) for value in altdata.values()):
            raise ApiError(500, "Mixing dicts with non-Series may lead to ambiguous ordering.")
        typed = {key: cols.infer(value if isinstance(value, list) else [value] * length)
                 for key, value in altdata.items()}
        return [{key: column.values[index] for key, column in typed.items()} for index in range(length)]
    inner = [value for value in altdata.values() if isinstance(value, dict)]
    if not inner:  # all scalars: one row
        return [dict(altdata)]
    # Dicts become Series: one row per inner key, scalars broadcast.
    index = list(dict.fromkeys(key for value in inner for key in value))
    return [{key: (value.get(row, cols.NAN) if isinstance(value, dict) else value)
             for key, value in altdata.items()} for row in index]


def _extract_altdata(body: dict[str, Any], count: int) -> Any:
    if "altdata" in body and not body["altdata"]:
        del body["altdata"]
    if "altdata" not in body:
        return None
    altdata = body.pop("altdata")
    return _altdata_records(altdata, count) if isinstance(altdata, dict) else altdata


def validate_fluxerr(value: Any) -> str | None:
    """SkyPortal's validate_fluxerr: the error message, or None."""
    try:
        if isinstance(value, (float, int, str)):
            positive = float(value) > 0
        else:
            positive = all(float(element) > 0 for element in value)
    except (TypeError, ValueError):
        return "fluxerr must be a number or list of numbers"
    return None if positive else "Invalid value: fluxerr must be positive (non-zero)"


def _integer_error(value: Any) -> str | None:
    """marshmallow Integer (not strict, so a float is truncated): None when the value loads."""
    if isinstance(value, bool):
        return "Not a valid integer."
    try:
        int(value)
    except (TypeError, ValueError, OverflowError):
        return "Not a valid integer."
    return None


def _load(body: Mapping[str, Any],
          fields: tuple[UploadField, ...]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The schema's load: (loaded dict in field order, errors dict)."""
    errors: dict[str, list[str]] = {}
    loaded: dict[str, Any] = {}
    for name, required, default in fields:
        if name not in body:
            if required:
                errors[name] = ["Missing data for required field."]
            elif default is not NOT_GIVEN:
                loaded[name] = list(default) if isinstance(default, list) else default
            continue
        value = body[name]
        if value is None:
            if required or default is not None:
                errors[name] = ["Field may not be null."]
            else:
                loaded[name] = None
            continue
        problem = None
        if name in ("fluxerr", "ref_fluxerr"):
            problem = validate_fluxerr(value)
        elif name == "assignment_id":
            problem = _integer_error(value)
        elif name == "altdata" and not isinstance(value, dict):
            problem = "Not a valid mapping type."
        if problem:
            errors[name] = [problem]
        else:
            loaded[name] = value
    names = {name for name, _, _ in fields}
    # marshmallow walks the unknown keys as a set: their order varies between processes.
    for key in body:
        if key not in names:
            errors[key] = ["Unknown field."]
    return loaded, errors


def _choose_schema(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if "flux" in body and "mag" not in body:
        order = (("flux", FLUX_FIELDS), ("mag", MAG_FIELDS))
    else:
        order = (("mag", MAG_FIELDS), ("flux", FLUX_FIELDS))
    errors: dict[str, dict[str, list[str]]] = {}
    for kind, fields in order:
        loaded, problems = _load(body, fields)
        if not problems:
            return kind, loaded
        errors[kind] = problems
    raise ApiError(400, f'Invalid input format: Tried to parse data in mag space, got: "{errors["mag"]}." '
                        f'Tried to parse data in flux space, got: "{errors["flux"]}."')


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _table(loaded: Mapping[str, Any], max_elements: int) -> Table:
    """pd.DataFrame(data) as SkyPortal builds it, then to_numeric on every column."""
    raw: dict[str, list[Any]]
    if all(_is_scalar(value) for value in loaded.values()):
        count, raw = 1, {key: [value] for key, value in loaded.items()}
    elif max_elements == 1:
        count, raw = 1, {}
        for key, value in loaded.items():
            if isinstance(value, list):
                if len(value) != 1:
                    raise _coerce_error(f"Length of values ({len(value)}) does not match length of index (1)")
                raw[key] = value
            else:  # a dict is aligned on the index [0] and finds nothing there
                raw[key] = [cols.NAN if isinstance(value, dict) else value]
    else:
        lists = [value for value in loaded.values() if isinstance(value, list)]
        if any(isinstance(value, dict) for value in loaded.values()):
            raise _coerce_error("Mixing dicts with non-Series may lead to ambiguous ordering.")
        if len({len(value) for value in lists}) > 1:
            raise _coerce_error("All arrays must be of the same length")
        count = len(lists[0])
        raw = {key: value if isinstance(value, list) else [value] * count for key, value in loaded.items()}
    return Table({key: cols.infer(values) for key, values in raw.items()}, count)


def _coerce_error(reason: str) -> ApiError:
    return ApiError(400, f'Unable to coerce passed JSON to a series of packets. Error was: "{reason}"')


def _attach_altdata(table: Table, altdata: Any) -> None:
    if altdata is None:
        return
    try:
        if len(altdata) == 0:
            return
    except TypeError:
        raise ApiError(500, f"object of type '{type(altdata).__name__}' has no len()") from None
    records = []
    for element in altdata:
        if not isinstance(element, dict):
            raise ApiError(500, f"'{type(element).__name__}' object has no attribute 'values'")
        kept = {key: value for key, value in element.items() if value is not None and value != ""}
        records.append(None if all(value is None or value == "" for value in element.values()) else kept)
    if len(records) != table.count:
        raise ApiError(500, f"Length of values ({len(records)}) does not match length of index ({table.count})")
    table.columns["altdata"] = cols.Column(records, "object")


# -- the mag and flux paths -------------------------------------------------------

def _first(table: Table, test: Callable[[int], bool]) -> int | None:
    return next((index for index in range(table.count) if test(index)), None)


def _check_finite(table: Table, fields: Iterable[str], catch_type_errors: bool) -> None:
    for field in fields:
        column = table.columns[field]
        if not column.numeric and not all(cols.is_missing(value) for value in column.values):
            if catch_type_errors:
                raise ApiError(400, f"Some values in the {field} field are not numeric.")
            raise ApiError(500, "ufunc 'isinf' not supported for the input types, and the inputs could not be "
                                "safely coerced to any supported types according to the casting rule ''safe''")
        bad = _first(table, lambda index: isinstance(column.values[index], float)
                     and math.isinf(column.values[index]))
        if bad is not None:
            raise _bad_packet(table, bad, f"field {field} must be finite.")


def _check_required(table: Table, kind: str) -> None:
    for field in REQUIRED[kind]:
        bad = _first(table, lambda index: cols.is_missing(table.columns[field].values[index]))
        if bad is not None:
            raise _bad_packet(table, bad, f"missing required field {field}.")


def _number(value: Any) -> float:
    return float(value) if not cols.is_missing(value) else cols.NAN


def _mag_fluxes(table: Table) -> list[Fluxes]:
    """(flux, fluxerr, ref_flux, ref_fluxerr) per row, zero point 23.9, in the rows' systems."""
    mag, magerr = table.columns["mag"].values, table.columns["magerr"].values
    bad = _first(table, lambda index: cols.is_missing(mag[index]) != cols.is_missing(magerr[index]))
    if bad is not None:
        raise _bad_packet(table, bad, "mag and magerr must both be null, or both be not null.")
    _check_finite(table, ("mag", "magerr", "limiting_mag"), catch_type_errors=True)
    _check_required(table, "mag")
    limiting, nsigma = table.columns["limiting_mag"].values, table.columns["limiting_mag_nsigma"].values
    missing = [index for index in range(table.count) if cols.is_missing(mag[index]) and cols.is_missing(limiting[index])]
    if missing:
        try:
            mjds = [float(table.columns["mjd"].values[index]) for index in missing]
        except ValueError as exc:  # raised outside SkyPortal's except clauses
            raise ApiError(500, str(exc)) from None
        raise ApiError(400, f"Non-detections (mag=null) require a limiting_mag. Affected row(s) at MJD: {mjds}.")
    with_reference = "magref" in table.columns and "e_magref" in table.columns
    results = []
    for index in range(table.count):
        if cols.is_missing(mag[index]):
            divisor = _number(nsigma[index])
            flux = cols.NAN
            # numpy divides by a zero n-sigma without complaint: an infinite error.
            fluxerr = limit_to_fluxerr(float(limiting[index]), divisor) if divisor else math.inf
        else:
            flux, fluxerr = mag_to_flux(float(mag[index]), float(magerr[index]))
        ref_flux = ref_fluxerr = None
        if with_reference:
            magref, e_magref = table.columns["magref"].values[index], table.columns["e_magref"].values[index]
            if cols.is_missing(magref):
                ref_flux = ref_fluxerr = cols.NAN
            else:
                ref_flux = mag_to_flux(float(magref), 0.0)[0]
                ref_fluxerr = cols.NAN if cols.is_missing(e_magref) else mag_to_flux(float(magref),
                                                                                      float(e_magref))[1]
        results.append((flux, fluxerr, PHOT_ZP, ref_flux, ref_fluxerr, PHOT_ZP))
    return results


def _flux_fluxes(table: Table) -> list[Fluxes]:
    _check_required(table, "flux")
    _check_finite(table, ("flux", "fluxerr"), catch_type_errors=False)
    with_reference = "ref_flux" in table.columns and "ref_fluxerr" in table.columns
    results = []
    for index in range(table.count):
        row = table.row(index)
        ref_flux = ref_fluxerr = None
        ref_zp = PHOT_ZP
        if with_reference:
            ref_flux, ref_fluxerr = _number(row["ref_flux"]), _number(row["ref_fluxerr"])
            if "ref_zp" in row:
                ref_zp = row["ref_zp"]
        results.append((_number(row["flux"]), _number(row["fluxerr"]), row["zp"], ref_flux, ref_fluxerr, ref_zp))
    return results


def _check_filters(table: Table) -> None:
    unknown = list(dict.fromkeys(value for value in table.columns["filter"].values
                                 if isinstance(value, (list, dict)) or value not in ALLOWED_BANDPASSES))
    if any(isinstance(value, (list, dict)) for value in unknown):
        raise ApiError(500, f"unhashable type: '{type(unknown[0]).__name__}'")
    if unknown:
        shown = ", ".join(_numpy_repr(value) for value in unknown)
        raise ApiError(400, f"Filter(s) {{{shown}}} is not allowed. Allowed filters are: {BANDPASS_NAMES}")


def _standardized(value: float, error: float, zp: object, magsys: object, band: str) -> tuple[float, float]:
    """Rescale to µJy AB (sncosmo's normalized), with SkyPortal's error texts."""
    if not isinstance(magsys, str):
        name = NUMPY_TYPE_NAMES.get(type(magsys), type(magsys).__name__)
        raise MagsysError(f"'{name}' object has no attribute 'lower'")
    if isinstance(zp, str) or not isinstance(zp, (int, float)):
        raise MagsysError(f"ufunc 'subtract' did not contain a loop with signature matching types "
                          f"(dtype('float64'), dtype('<U{len(str(zp))}')) -> None")
    return to_stored_flux(value, error, float(zp), magsys.lower(), band)


# -- after the DataFrame: references, and what PostgreSQL refuses ----------------------

def _instrument_id(value: Any) -> int:
    """int(iid) as SkyPortal's instrument lookup does it; uncaught errors are 500s."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ApiError(500, str(exc)) from None


def _obj_id(value: object) -> str:
    """astype(str) of the obj_id column."""
    return value if isinstance(value, str) else _numpy_str(value)


def _pg_origin(value: object) -> str:
    """The text PostgreSQL stores for ``origin`` (a VARCHAR cast of the value)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def pg_float(text: str) -> float | None:
    """What PostgreSQL's double precision input makes of a string, or None if it refuses it."""
    stripped = text.strip()
    if stripped.lower() in PG_SPECIAL_FLOATS:
        return PG_SPECIAL_FLOATS[stripped.lower()]
    try:
        return float(stripped) if cols.FLOAT_TEXT.match(stripped) else None
    except ValueError:
        return None


def _pg_float_error(name: str, value: object) -> DatabaseError | None:
    """The error PostgreSQL raises storing ``value`` in a double precision column, or None."""
    if cols.is_missing(value) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return None
    if isinstance(value, str) and pg_float(value) is not None:
        return None
    if isinstance(value, str):
        return DatabaseError("psycopg.errors.InvalidTextRepresentation",
                             f'invalid input syntax for type double precision: "{value}"', "DataError", "9h9h",
                             ("CONTEXT:  unnamed portal parameter $1 = '...'",))
    kind = "boolean" if isinstance(value, bool) else "jsonb"
    return DatabaseError("psycopg.errors.DatatypeMismatch",
                         f'column "{name}" is of type double precision but expression is of type {kind}',
                         "ProgrammingError", "f405", ("HINT:  You will need to rewrite or cast the expression.",))


NAN_IN_JSON = DatabaseError("psycopg.errors.InvalidTextRepresentation", "invalid input syntax for type json",
                            "DataError", "9h9h", ('DETAIL:  Token "NaN" is invalid.',))
# A non-finite mjd is stored, but SkyPortal's photometry statistics then hold it in JSON.
NAN_IN_PHOTSTATS = DatabaseError("psycopg.errors.InvalidTextRepresentation", "invalid input syntax for type json",
                                 "DataError", "9h9h", ('DETAIL:  Token "NaN" is invalid.',
                                                       'CONTEXT:  JSON data, line 1: {"ztfg": NaN...'))


def _json_has_nan(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_json_has_nan(item) for item in value.values())
    if isinstance(value, list):
        return any(_json_has_nan(item) for item in value)
    return False


def database_refusal(points: list[dict[str, Any]]) -> DatabaseError | None:
    """The error PostgreSQL raises inserting the points, or None; text it
    reads as a number is turned into that number in the points."""
    for point in points:
        for name in FLOAT_COLUMNS:
            problem = _pg_float_error(name, point[name])
            if problem:
                return problem
            if isinstance(point[name], str):
                point[name] = pg_float(point[name])
        if _json_has_nan(point["altdata"]):
            return NAN_IN_JSON
    return None


def photstats_refusal(points: list[dict[str, Any]]) -> DatabaseError | None:
    """The error SkyPortal's photometry statistics update raises after the
    insert: a NaN or infinite mjd ends up in their JSON."""
    if any(not math.isfinite(point["mjd"]) for point in points):
        return NAN_IN_PHOTSTATS
    return None


def dedup_key_mismatch(points: list[dict[str, Any]]) -> tuple[object, ...] | None:
    """The key SkyPortal fails to find when it maps the inserted rows back to
    its parameters: its dedup key reads ``origin`` with str(), PostgreSQL
    stores a boolean as "true" and 1.0 as "1".  None when every key matches."""
    for point in points:
        if point["dedup_origin"] != point["origin"]:
            flux = "__nan__" if math.isnan(point["flux"]) else point["flux"]
            fluxerr = "__nan__" if math.isnan(point["fluxerr"]) else point["fluxerr"]
            return (point["obj_id"], point["instrument_id_given"], point["dedup_origin"], float(point["mjd"]),
                    fluxerr, flux)
    return None


def _stored_float(value: object) -> object:
    return None if cols.is_missing(value) else value


# -- the whole path ---------------------------------------------------------------------

def standardize_upload(body: Mapping[str, Any], instruments: Callable[[set[int]], dict[int, dict[str, Any]]],
                       objects_exist: Callable[[set[str]], set[str]]) -> list[dict[str, Any]]:
    """The points of a POST/PUT body, in SkyPortal's order of checks, up to
    (not including) the insert: ``instruments(ids)`` maps ids to instrument
    dicts, ``objects_exist(ids)`` gives the set of stored object ids."""
    body = dict(body)
    extinction_corrected = body.pop("extinction_corrected", False)
    if extinction_corrected is True or str(extinction_corrected).strip().lower() in TRUE_WORDS:
        raise ApiError(400, "extinction_corrected is not supported by the embedded test server "
                            "(it has no dust maps)")
    max_elements = _max_elements(body)
    altdata = _extract_altdata(body, max_elements)
    kind, loaded = _choose_schema(body)
    loaded.pop("group_ids", None)
    loaded.pop("stream_ids", None)
    table = _table(loaded, max_elements)
    _attach_altdata(table, altdata)
    table.columns = {name: cols.to_numeric(column) if name != "altdata" else column
                     for name, column in table.columns.items()}
    origin = table.columns["origin"]
    table.columns["origin"] = cols.Column(["None" if cols.is_missing(value) else value
                                           for value in origin.values], "object")
    fluxes = _mag_fluxes(table) if kind == "mag" else _flux_fluxes(table)
    _check_filters(table)
    rows = [table.row(index) for index in range(table.count)]
    standardized = []
    try:
        for row, (flux, fluxerr, zp, ref_flux, ref_fluxerr, ref_zp) in zip(rows, fluxes):
            flux, fluxerr = _standardized(flux, fluxerr, zp, row["magsys"], row["filter"])
            if ref_flux is not None and ref_fluxerr is not None:
                if isinstance(ref_zp, str):
                    raise ApiError(400, "Error standardizing reference photometry data: unsupported operand "
                                        "type(s) for -: 'float' and 'str'.")
                ref_flux, ref_fluxerr = _standardized(ref_flux, ref_fluxerr, ref_zp, row["magsys"], row["filter"])
            standardized.append((flux, fluxerr, ref_flux, ref_fluxerr))
    except MagsysError as exc:
        raise ApiError(400, f"Error standardizing photometry data: {exc}.") from None
    instrument_ids = {value: _instrument_id(value) for value in table.columns["instrument_id"].values}
    too_large = next((number for number in instrument_ids.values() if not INT4_MIN <= number <= INT4_MAX), None)
    if too_large is not None:  # PostgreSQL refuses to compare it with an integer column
        raise ApiError(500, "(psycopg.errors.NumericValueOutOfRange) integer out of range\n"
                            "[SQL: SELECT instruments.id FROM instruments WHERE instruments.id IN "
                            "(%(id_1_1)s::INTEGER)]\n"
                            f"[parameters: {{'id_1_1': {too_large}}}]\n"
                            "(Background on this error at: https://sqlalche.me/e/20/9h9h)")
    known = instruments(set(instrument_ids.values()))
    for value, instrument_id in instrument_ids.items():
        if instrument_id not in known:
            raise ApiError(400, f"Invalid instrument ID: {_numpy_str(value)}")
    obj_ids = [_obj_id(value) for value in table.columns["obj_id"].values]
    existing = objects_exist(set(obj_ids))
    for obj_id in dict.fromkeys(obj_ids):
        if obj_id not in existing:
            raise ApiError(400, f"Invalid object ID: {obj_id}")
    points = []
    for row, obj_id, (flux, fluxerr, ref_flux, ref_fluxerr) in zip(rows, obj_ids, standardized):
        if kind == "mag":
            original = {key: row[key] for key in ("limiting_mag", "magsys", "limiting_mag_nsigma")
                        if not (isinstance(row[key], float) and math.isnan(row[key]))}
        else:
            original = {"magsys": row["magsys"]}
        reference = ref_flux is not None and not cols.is_missing(ref_flux) and not cols.is_missing(ref_fluxerr)
        points.append({
            "obj_id": obj_id, "instrument_id": known[instrument_ids[row["instrument_id"]]]["id"],
            "instrument": known[instrument_ids[row["instrument_id"]]],
            "origin": _pg_origin(row["origin"]), "dedup_origin": str(row["origin"]),
            "instrument_id_given": row["instrument_id"], "mjd": row["mjd"], "flux": flux, "fluxerr": fluxerr,
            "filter": row["filter"], "ra": _stored_float(row["ra"]), "dec": _stored_float(row["dec"]),
            "ra_unc": _stored_float(row["ra_unc"]), "dec_unc": _stored_float(row["dec_unc"]),
            "ref_flux": ref_flux if reference else _stored_float(ref_flux),
            "ref_fluxerr": ref_fluxerr if reference else _stored_float(ref_fluxerr),
            "altdata": row.get("altdata"), "original_user_data": original or None,
        })
    if len(points) > MAX_ROWS:
        raise ApiError(400, f"Maximum number of photometry rows to post exceeded: {len(points)} > "
                            f"{MAX_ROWS}. Please break up the data into smaller sets and try again")
    return points
