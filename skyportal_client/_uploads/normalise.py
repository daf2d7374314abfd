"""The normalise step of an upload: the columns as read (``_light_curves.tables.read_table``)
made into the plain values SkyPortal stores, every problem found on the way.

In order:

1. times become MJDs (UTC): a Time or datetime column, or datetime cells
   (``_uploads.times``); astropy Quantity cells become a column with a unit;
2. the ``obj_id``, ``instrument_id`` and ``magsys`` arguments become columns; ids
   that a CSV file or pandas gives as floats (1.0) become ints, magsys lower case;
3. units are converted or refused (``_uploads.units``);
4. plain mjds that are no MJD (a Julian Date, seconds, a date as text) are refused,
   and so is an mjd column of floats too small to hold an MJD to the second
   (float32 holds one of today only to 0.004 days, 5.6 minutes);
5. each ``altdata`` cell becomes the object SkyPortal keeps for its point: a dict as
   it is, JSON text of an object (as tables and CSV files hold it) decoded, a null
   an empty object (no altdata); anything else, and values JSON cannot hold
   exactly (NaN, ±inf, keys that are not text), is refused;
6. missing values follow one rule, the raw API's: a null (None, a masked entry,
   pandas.NA, NaT) is no value, accepted where SkyPortal takes one; NaN is not a
   null and is refused in every number column, as ±inf is (by the model's rules).
   An empty CSV cell is a null, but for a flux (flux, fluxerr): a non-detection is
   a null measurement plus a limit, and in flux space no cell of the row tells it
   from a forgotten value.  With ``nan_as_nondetection=True`` NaN and empty cells
   are read as nulls, as pandas reads them: a NaN measurement then makes its row a
   non-detection (which still needs its limit: limiting_mag in mag space), a NaN
   elsewhere is no value.

A refused value is left as it was, or as NaN, so that the check step, which
reports one problem per cell, does not report it a second time.
"""

import dataclasses
import json
import math
from typing import Any, Dict, List, Optional, Tuple

from skyportal_client._light_curves.tables import InputColumn, plain_value
from skyportal_client._models.problems import Problem
from skyportal_client._uploads.times import cells_to_mjds, mjd_problems, times_to_mjds
from skyportal_client._uploads.units import convert_units
from skyportal_client.model.photometry_flux_upload import PhotometryFluxUpload
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload

# The columns that hold numbers, in either space.
NUMBER_COLUMNS = frozenset(name for model in (PhotometryMagUpload, PhotometryFluxUpload)
                           for name, field in model.fields.items() if field.column and field.type == "number")
# The flux-space measurement: an empty cell there is refused, since nothing else in the row
# tells a non-detection from a forgotten value (in mag space a non-detection's limiting_mag
# does, and an empty mag without one is refused as missing its limit).
FLUX_MEASUREMENT = ("flux", "fluxerr")
NAN_ADVICE = ("write a missing value as None (a masked entry in astropy, pandas.NA in a nullable column), or "
              "pass nan_as_nondetection=True (--nan-as-nondetection) to read NaN as missing: a NaN measurement "
              "then makes its row a non-detection")
EMPTY_ADVICE = ("a flux cannot be left empty, since a forgotten value reads the same as a non-detection: "
                "pass nan_as_nondetection=True (--nan-as-nondetection) to store the row as a non-detection")


@dataclasses.dataclass(frozen=True)
class NormalisedColumns:
    """The normalise step's result: every column's plain values, as long as ``row_count``,
    and every problem it found."""

    columns: Dict[str, List[Any]]
    row_count: int
    problems: List[Problem]


def normalise(columns: Dict[str, InputColumn], *, obj_id: Optional[str] = None,
              instrument_id: Optional[int] = None, magsys: Optional[str] = "ab",
              nan_as_nondetection: bool = False) -> NormalisedColumns:
    """The plain values SkyPortal stores for the ``columns`` read from a table, and the
    problems with them; see the module's description for the rules."""
    row_count = len(next(iter(columns.values()))) if columns else 0
    problems: List[Problem] = []
    plain: Dict[str, List[Any]] = {}
    units: Dict[str, Any] = {}
    for name, column in columns.items():
        if column.times is not None:
            if name == "mjd":
                plain[name] = times_to_mjds(column.times)
            else:
                plain[name] = [None] * row_count
                problems.append(Problem(None, name, "times not taken", "holds times, but only mjd takes times"))
            continue
        plain[name], units[name], problem = _values_and_unit(name, column)
        problems += [problem] if problem else []
        if name == "mjd" and column.float_bits is not None and column.float_bits < 64:
            problems.append(_coarse_mjds(column.float_bits))
        if name == "mjd":
            plain[name] = cells_to_mjds(plain[name])
    for name, value in (("obj_id", obj_id), ("instrument_id", instrument_id), ("magsys", magsys)):
        if name not in plain:
            if value is not None:  # else the check step reports the missing column
                plain[name] = [plain_value(value)] * row_count
        elif value is not None and name != "magsys":
            problems.append(Problem(None, name, "given twice", (
                f"given both as a column and as the {name}= argument; keep one")))
    if row_count == 0:
        problems.append(Problem(None, "mjd", "no rows", "there are no rows to upload"))
    if "instrument_id" in plain:
        plain["instrument_id"] = [int(value) if isinstance(value, float) and value.is_integer() else value
                                  for value in plain["instrument_id"]]
    if "magsys" in plain:
        plain["magsys"] = [value.lower() if isinstance(value, str) else value for value in plain["magsys"]]
        problems += convert_units(plain, units)
    if "mjd" in plain and not any(problem.column == "mjd" for problem in problems):
        # An mjd refused already (a unit that is no time, times that are no MJD) would be reported twice.
        problems += mjd_problems(plain["mjd"])
    if "altdata" in plain:
        problems += _altdata_objects(plain["altdata"])
    problems += _missing_values(plain, columns, nan_as_nondetection)
    return NormalisedColumns(plain, row_count, problems)


def _coarse_mjds(float_bits: int) -> Problem:
    """The problem of an mjd column of ``float_bits``-bit floats, which cannot hold a time to the second."""
    # A binary float's step at today's MJD (2**15 to 2**16 days) is 2**(15 - its significand's bits).
    significand_bits = {16: 10, 32: 23}.get(float_bits, 0)
    step = 2.0 ** (15 - significand_bits) if significand_bits else math.inf
    return Problem(None, "mjd", "mjd too coarse", (
        f"holds float{float_bits} values, which keep an MJD of today only to {step:g} days "
        f"({step * 86400:g} seconds): compute and keep the times as float64 (numpy: dtype='float64'); "
        f"converting the column now does not bring back what float{float_bits} lost"))


def _altdata_objects(cells: List[Any]) -> List[Problem]:
    """Make each altdata cell the object sent for its point, in place; the problems."""
    problems = []
    for row, cell in enumerate(cells):
        if cell is None:
            cells[row] = {}  # SkyPortal stores an empty altdata as null; a null in the list would be a 500
            continue
        if isinstance(cell, str):
            try:
                cell = cells[row] = json.loads(cell)
            except ValueError:
                problems.append(Problem(row, "altdata", "not an object", (
                    f"is the text {cell[:40]!r}, not a JSON object: give a dict, or its JSON text")))
                continue
        if not isinstance(cell, dict):
            problems.append(Problem(row, "altdata", "not an object", (
                f"is {cell!r:.40}, not a dict: each point's altdata is a dict (or its JSON text), or None")))
            continue
        wrong = _not_plain_json(cell)
        if wrong:
            problems.append(Problem(row, "altdata", "not plain JSON", (
                f"holds {wrong}; altdata holds text keys and JSON values")))
    return problems


def _not_plain_json(value: Any) -> Optional[str]:
    """What in ``value`` JSON cannot hold as it is (a NaN, an infinity, a key that is not
    text, another type), described; None when all of it is plain JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the key {key!r}, a {type(key).__name__}"
            wrong = _not_plain_json(item)
            if wrong:
                return wrong
        return None
    if isinstance(value, list):
        return next(filter(None, map(_not_plain_json, value)), None)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return None
    return f"a {type(value).__name__} ({value!r:.40})"


def _values_and_unit(name: str, column: InputColumn) -> Tuple[List[Any], Any, Optional[Problem]]:
    """A copy of the column's values, and its unit: the column's, or that of its cells when
    they are astropy Quantities (rows given as dicts of Quantities)."""
    values = list(column.values or ())
    if column.unit is not None:
        return values, column.unit, None
    quantities = [value for value in values if hasattr(value, "unit") and hasattr(value, "to_value")]
    if not quantities:
        return values, None, None
    unit = quantities[0].unit
    if len(quantities) != sum(value is not None for value in values):
        return values, None, Problem(None, name, "units mixed", (
            "mixes values with and without a unit: give every value with a unit, or none"))
    try:
        return [None if value is None else value.to_value(unit) for value in values], unit, None
    except ValueError as error:  # astropy's UnitConversionError is one
        return values, None, Problem(None, name, "units mixed", f"mixes units that do not convert: {error}")


def _missing_values(plain: Dict[str, List[Any]], columns: Dict[str, InputColumn],
                    nan_as_nondetection: bool) -> List[Problem]:
    """Apply the missing-value rule to the number columns, in place."""
    problems = []
    # In the table's order (not the set's, which changes from run to run), as a row's problems are listed.
    for name in [name for name in plain if name in NUMBER_COLUMNS]:
        values = plain[name]
        blank_rows = columns[name].blank_rows if name in FLUX_MEASUREMENT and name in columns else frozenset()
        if not blank_rows and not _has_nan(values):
            continue
        for row, value in enumerate(values):
            if isinstance(value, float) and math.isnan(value):
                if nan_as_nondetection:
                    values[row] = None
                else:
                    problems.append(Problem(row, name, "NaN", f"is NaN: {NAN_ADVICE}"))
            elif row in blank_rows and not nan_as_nondetection:
                values[row] = math.nan  # refused here: the check step must not call it a null too
                problems.append(Problem(row, name, "empty", f"is an empty cell: {EMPTY_ADVICE}"))
    return problems


def _has_nan(values: List[Any]) -> bool:
    """Whether a NaN is among ``values``, at C speed for the common column of floats."""
    try:
        return math.isnan(sum(value for value in values if value is not None))
    except (TypeError, OverflowError):  # text, or an int too large for a float: look value by value
        return any(isinstance(value, float) and math.isnan(value) for value in values)
