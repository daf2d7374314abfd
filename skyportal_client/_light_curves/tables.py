"""Photometry as tables: columns in from many shapes, points out as astropy,
pandas, CSV, ECSV or JSON.

astropy and pandas are optional: they are imported only by the functions that
need them, and a missing one raises an ImportError that names the extra to
install.  CSV and JSON need neither.

``read_table`` is the first step of an upload.  It takes each column's values
as the table holds them, with what the table says about them (an astropy unit,
a time column), and interprets nothing: ``_uploads.normalise`` turns units, times
and missing values into what SkyPortal stores.  There a null (no value) is
written None, a masked entry (astropy, numpy masked arrays), ``pandas.NA`` or
``NaT``, or an empty CSV cell, and NaN is not a null: it is a float, kept as NaN
(in pandas text columns, where NaN is how pandas writes a missing text, it
reads as None).

``read_columns`` gives just the values, for reading a table rather than
uploading it: NaN is None there too, a time column its MJDs, and units are
dropped.

Example::

    >>> from skyportal_client._light_curves.tables import read_columns, read_table
    >>> rows = [{"mjd": 59400.1, "mag": 19.1}, {"mjd": 59401.2, "mag": float("nan")}]
    >>> read_table(rows)["mag"].values
    [19.1, nan]
    >>> read_columns(rows)
    {'mjd': [59400.1, 59401.2], 'mag': [19.1, None]}
"""

import csv
import dataclasses
import importlib
import itertools
import json
import math
import operator
import os
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Sequence,
    TextIO,
    Union,
)

from skyportal_client._transport.json_codec import json_text
from skyportal_client.exceptions import ApiTypeError, ApiValueError

# The pip extra that installs each optional module.
EXTRAS = {"astropy": "astropy", "pandas": "pandas", "tqdm": "progress", "matplotlib": "plot"}

# Columns read from CSV as text even when they look like numbers (an obj_id
# such as "2021001" is still a name).  Every other CSV cell that parses as a
# number is read as one.
TEXT_COLUMNS = frozenset({"obj_id", "filter", "magsys", "origin", "instrument_name", "created_at", "upload_id"})

# The physical unit of each column SkyPortal returns; fluxes are µJy (zero point
# 23.9) whatever the magnitude system asked for.
COLUMN_UNITS = {
    "mjd": "d", "mag": "mag", "magerr": "mag", "limiting_mag": "mag", "zp": "mag",
    "flux": "uJy", "fluxerr": "uJy", "ra": "deg", "dec": "deg", "ra_unc": "arcsec", "dec_unc": "arcsec",
}

TABLE_KINDS = ("records", "astropy", "pandas")


def require(module: str) -> Any:
    """Import an optional dependency, or raise ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top_level = module.split(".")[0]
        raise ImportError(
            f"{top_level} is needed for this; install it with: pip install \"skyportal-client[{EXTRAS[top_level]}]\""
        ) from None


# -- columns in --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class InputColumn:
    """One column of an input table, as read.

    ``values``: one plain Python value per row (numpy scalars made int, float or
    str; None for a null; NaN kept), or None for a column of times held whole in
    ``times``.  ``unit``: the astropy unit of a Quantity column or of a Column with a
    unit.  ``times``: an astropy ``Time``, a numpy ``datetime64`` array or a pandas
    datetime Series, kept whole so that it converts exactly.  ``blank_rows``: the
    rows that were empty cells of a CSV file (their value is None).  ``float_bits``: the
    size of a numpy (or pandas) float column's floats, 32 for float32, as its values no
    longer tell; None for any other column.
    """

    values: Optional[List[Any]]
    unit: Any = None
    times: Any = None
    blank_rows: FrozenSet[int] = frozenset()
    float_bits: Optional[int] = None

    def __len__(self) -> int:
        return len(self.values) if self.values is not None else len(self.times)


def plain_value(value: Any) -> Any:
    """A table's cell as a plain Python value: numpy scalars as int, float or str, and
    None for pandas.NA and NaT.  NaN stays NaN; numpy datetime64 scalars and astropy
    objects stay as they are, for the upload's normalising step to convert."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item") and not _is_special_scalar(value):
        value = value.item()  # numpy scalars, without importing numpy
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas.NA and NaT, recognised without importing pandas
        return None
    return value


def _is_special_scalar(value: Any) -> bool:
    """True for the numpy scalars whose ``item()`` loses what they mean (a datetime64[ns]
    gives an int of nanoseconds) and for astropy's Quantity and Time."""
    dtype = getattr(value, "dtype", None)
    return (dtype is not None and dtype.kind in "mM") or hasattr(value, "unit") or hasattr(value, "jd1")


def _plain_list(values: Any) -> List[Any]:
    """A column (list, tuple, numpy array, pandas Series) as a list of Python values."""
    tolist = getattr(values, "tolist", None)
    values = tolist() if tolist is not None else list(values)
    return [plain_value(value) for value in values]


def read_columns(data: Any) -> Dict[str, List[Any]]:
    """The values of each column of ``data``, ``{name: [value per row]}``: None for every
    way a table spells a missing value (NaN included), a time column as MJDs (UTC), the
    values of a column with a unit in that unit.  ``data`` is as for ``read_table``."""
    from skyportal_client._uploads.times import (
        times_to_mjds,  # which reads no table itself
    )

    return {name: times_to_mjds(column.times) if column.values is None else
            [None if _is_nan(value) else value for value in column.values]
            for name, column in read_table(data).items()}


def read_table(data: Any) -> Dict[str, InputColumn]:
    """The columns of ``data`` as ``{name: InputColumn}``, every column as long as the table.

    ``data`` is a list of dicts (one per row; absent keys are None), a dict of
    columns (lists, tuples, numpy arrays, pandas Series, astropy Quantity or Time;
    a scalar stands for a column of equal values), an astropy Table or QTable, a
    pandas DataFrame, or the path of a .csv or .ecsv file.
    """
    if isinstance(data, (str, os.PathLike)):
        return _read_file(os.fspath(data))
    if hasattr(data, "colnames"):  # astropy Table or QTable
        return {name: _column(data[name]) for name in data.colnames}
    if hasattr(data, "columns") and hasattr(data, "iloc"):  # pandas DataFrame
        return {str(name): _column(data[name]) for name in data.columns}
    if isinstance(data, dict):
        return _broadcast(data)
    if isinstance(data, (list, tuple)):
        return _rows_to_columns(data)
    raise ApiTypeError(
        f"Cannot read photometry from a {type(data).__name__}: pass a list of dicts, a dict of columns, "
        "an astropy Table, a pandas DataFrame, or the path of a .csv or .ecsv file"
    )


def _column(values: Any) -> InputColumn:
    """A whole column of any kind read_table takes."""
    if hasattr(values, "jd1"):  # astropy Time
        return InputColumn(None, times=values)
    dtype = getattr(values, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", None) == "M":  # numpy datetime64, pandas datetimes
        return InputColumn(None, times=values)
    if dtype is not None and hasattr(values, "iloc") and getattr(dtype, "kind", None) not in tuple("fciub"):
        # A pandas column of text (or objects): pandas writes its missing values NaN.
        return InputColumn([None if _is_nan(value) else value for value in _plain_list(values)])
    unit = getattr(values, "unit", None)
    if unit is not None and hasattr(values, "value"):  # an astropy Quantity, masked or not
        mask = getattr(values, "mask", None)
        numbers = _plain_list(getattr(values, "unmasked", values).value)
        if mask is not None and getattr(mask, "any", lambda: mask)():
            numbers = [None if masked else number for number, masked in zip(numbers, mask.tolist())]
        return InputColumn(numbers, unit=unit, float_bits=_float_bits(dtype))
    # An astropy Column keeps its unit apart.
    return InputColumn(_plain_list(values), unit=unit, float_bits=_float_bits(dtype))


def _float_bits(dtype: Any) -> Optional[int]:
    return dtype.itemsize * 8 if getattr(dtype, "kind", None) == "f" else None


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _is_column(values: Any) -> bool:
    """True for a list of values, False for one value that stands for every row."""
    return isinstance(values, (list, tuple)) or getattr(values, "ndim", 0) >= 1


def _broadcast(columns: Dict[str, Any]) -> Dict[str, InputColumn]:
    read = {name: _column(values) for name, values in columns.items() if _is_column(values)}
    lengths = {len(column) for column in read.values()}
    if len(lengths) > 1:
        described = ", ".join(f"{name} has {len(column)}" for name, column in read.items())
        raise ApiValueError(f"The columns have different lengths ({described}); give every column one value per row")
    length = lengths.pop() if lengths else 1
    return {name: read[name] if name in read else _repeated(value, length) for name, value in columns.items()}


def _repeated(value: Any, length: int) -> InputColumn:
    """The column of ``length`` rows that one value stands for."""
    if hasattr(value, "jd1"):  # an astropy Time scalar: a Time of its own kind, repeated
        return InputColumn(None, times=value.reshape((1,))[[0] * length])
    bits = _float_bits(getattr(value, "dtype", None))
    if hasattr(value, "unit") and hasattr(value, "value"):  # an astropy Quantity scalar
        return InputColumn([plain_value(value.value)] * length, unit=value.unit, float_bits=bits)
    return InputColumn([plain_value(value)] * length, float_bits=bits)


def _rows_to_columns(rows: Any) -> Dict[str, InputColumn]:
    names: Dict[str, None] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ApiTypeError(f"Row {index} is a {type(row).__name__}; a list of rows must hold one dict per row")
        names.update(dict.fromkeys(row))
    return {name: InputColumn([plain_value(row.get(name)) for row in rows]) for name in names}


def _read_file(path: str) -> Dict[str, InputColumn]:
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".ecsv":
        table = require("astropy.table").Table.read(path, format="ascii.ecsv")
        return read_table(table)
    raise ApiValueError(f"Cannot read {path!r}: photometry files must end in .csv or .ecsv")


def _read_csv(path: str) -> Dict[str, InputColumn]:
    # utf-8-sig: Excel's "CSV UTF-8" starts the file with a byte-order mark, which would open the first name.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        names: List[str] = next(reader, [])
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ApiValueError(f"{path}: the header names {', '.join(repeated)} more than once")
        if names and names[0].lstrip().startswith("#"):
            raise ApiValueError(f"{path}, line 1: starts with '#', but a CSV file of photometry has no comment lines: "
                                "remove them, so that the first line names the columns")
        cells: List[List[str]] = [[] for _ in names]
        for line, row in enumerate(reader, start=2):
            if not row:
                continue  # a blank line, such as one at the end
            if len(row) != len(names):
                raise ApiValueError(f"{path}, line {line}: {len(row)} cells under a header of {len(names)} columns: "
                                    + _cell_count_fix(names, row))
            for column, cell in zip(cells, row):
                column.append(cell)
    return {name: InputColumn([_csv_cell(name, cell) for cell in column],
                              blank_rows=frozenset(row for row, cell in enumerate(column) if cell == ""))
            for name, column in zip(names, cells)}


def _cell_count_fix(names: List[str], row: List[str]) -> str:
    """What to do about a row of a CSV file with more or fewer cells than its header."""
    if row[0].lstrip().startswith("#"):
        return "the line starts with '#', but a CSV file of photometry has no comment lines: remove it"
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        separator = "';'" if ";" in names[0] else "a tab"
        return (f"the header is the one cell {names[0][:60]!r}, so the cells are separated by {separator}; "
                "a .csv file's are separated by commas (with '.' for the decimal point): save it so "
                "(pandas: pandas.read_csv(path, sep=None, engine='python').to_csv(path, index=False))")
    return "give every row one cell per column, an empty cell for a missing value"


def _csv_cell(name: str, cell: str) -> Any:
    if cell == "":
        return None
    if name in TEXT_COLUMNS:
        return cell
    for number in (int, float):
        try:
            return number(cell)
        except ValueError:
            pass
    return cell  # not a number: left for the caller's checks to report


# -- points out -------------------------------------------------------------------------


# The names of a point's values as SkyPortal 1.4.0 sends them, in its order: the header of an
# empty light curve's CSV, which has no point to take them from.  The range query adds annotations.
POINT_NAMES = ("obj_id", "ra", "dec", "filter", "mjd", "snr", "instrument_id", "instrument_name", "ra_unc",
               "dec_unc", "origin", "id", "altdata", "created_at", "groups")
NAMES_BY_FORMAT = {"mag": ("mag", "magerr", "magsys", "limiting_mag"), "flux": ("flux", "magsys", "zp", "fluxerr"),
                   "both": ("mag", "magerr", "magsys", "limiting_mag", "flux", "zp", "fluxerr")}


def no_points(format: str, annotations: bool = False) -> "PointColumns":
    """The columns, without a point, of a light curve in ``format`` ("mag", "flux" or "both");
    ``annotations`` for the range query's points, which have them."""
    names = POINT_NAMES + (("annotations",) if annotations else ()) + NAMES_BY_FORMAT[format]
    return PointColumns((name, []) for name in names)


class PointColumns(dict):
    """Points as columns, what every table is made from: ``{name: [value per point]}``, the
    names in the order they first appear in the points, None where a point has null or no
    such value, nested values (groups, altdata) as JSON text.

    ``point_columns`` makes it from records; ``_light_curves.columns`` straight from an
    answer's bytes, and both give the same columns for the same points.
    """


def point_columns(points: Any) -> PointColumns:
    """``points`` (a list of dicts, one per point, or PointColumns) as PointColumns."""
    if isinstance(points, PointColumns):
        return points
    # dict.fromkeys over every record's keys: the names in the order they first appear, at C speed.
    names = dict.fromkeys(itertools.chain.from_iterable(points))
    plain = set(map(type, points)) <= {dict}  # no defaultdict, whose [] would add the name
    return PointColumns((name, json_cells(_point_values(points, name, plain))) for name in names)


def _point_values(records: Sequence[Mapping[str, Any]], name: str, plain: bool) -> List[Any]:
    if plain:
        try:
            return list(map(operator.itemgetter(name), records))  # every record has it, as in an answer
        except KeyError:
            pass
    return [record.get(name) for record in records]


def json_cells(values: List[Any]) -> List[Any]:
    """A column's values as table cells: lists and dicts become JSON text (``json.dumps``), the rest stay."""
    if not any(issubclass(kind, (list, dict)) for kind in set(map(type, values))):
        return values
    return [json_text(value) if isinstance(value, (list, dict)) else value for value in values]


def _masked_fill(name: str, kinds: Any) -> Any:
    """The placeholder under a masked cell, of the column's type: 0.0, 0 or "". ``kinds`` are
    the types of the column's values that are not null."""
    numbers = bool(kinds) and all(issubclass(kind, (int, float)) and not issubclass(kind, bool) for kind in kinds)
    if name in COLUMN_UNITS or numbers and any(issubclass(kind, float) for kind in kinds):
        return 0.0
    return 0 if numbers else ""


def to_astropy(points: Any) -> Any:
    """An astropy Table of the points: units on the physical columns (mag, µJy,
    days for mjd, degrees), nulls masked, nested values as JSON text.

    ``points`` is a list of dicts, one per point (or the PointColumns of ``point_columns``).
    """
    table_module = require("astropy.table")
    units = require("astropy.units")
    numpy = require("numpy")
    columns = []
    for name, values in point_columns(points).items():
        kinds = set(map(type, values))
        if type(None) in kinds:
            nulls = numpy.fromiter(map(operator.is_, values, itertools.repeat(None)), bool, len(values))
            kinds.discard(type(None))
            fill = _masked_fill(name, kinds)
            values = [fill if value is None else value for value in values]
            kinds.add(type(fill))
        else:
            nulls = numpy.zeros(len(values), bool)
            fill = _masked_fill(name, kinds)
        columns.append(table_module.MaskedColumn(
            _plain_array(numpy, values) if kinds <= _PLAIN_KINDS else values, name=name, mask=nulls,
            unit=units.Unit(COLUMN_UNITS[name]) if name in COLUMN_UNITS else None,
        ))
    return table_module.Table(columns, masked=True, copy=False)


# Cells of these types become the array astropy would make of them, without its scan of the list
# for units and masked elements that plain numbers and text cannot have.
_PLAIN_KINDS = frozenset({int, float, str, bool})


def _plain_array(numpy: Any, values: List[Any]) -> Any:
    """The numpy array astropy's Column makes of a list of plain cells (``numpy.array``, or
    an object array where numpy cannot hold the values, as an int too large for int64)."""
    try:
        return numpy.array(values)
    except Exception:
        return numpy.array(values, dtype=object)


def to_pandas(points: Any) -> Any:
    """A pandas DataFrame of the points; nulls are NaN (or None in text columns),
    nested values JSON text.

    ``points`` is a list of dicts, one per point (or the PointColumns of ``point_columns``).
    """
    pandas = require("pandas")
    columns = point_columns(points)
    return pandas.DataFrame(dict(columns), columns=list(columns))


def converter(as_: str) -> Callable[[Any], Any]:
    """The function that turns a list of points into ``as_``: "records" (the list
    itself), "astropy" (``to_astropy``) or "pandas" (``to_pandas``).

    Asked for before fetching, so that a wrong ``as_`` or a missing package fails
    before any data is downloaded.
    """
    if as_ == "records":
        return list
    if as_ in ("astropy", "pandas"):
        require("astropy.table" if as_ == "astropy" else "pandas")
        return to_astropy if as_ == "astropy" else to_pandas
    raise ApiValueError(f"as_ must be one of {', '.join(TABLE_KINDS)}, not {as_!r}")


def write_points(records: List[Dict[str, Any]], path: Union[str, "os.PathLike[str]"]) -> None:
    """Write the points to ``path``, as CSV, ECSV (needs astropy) or JSON by its suffix.

    CSV cells hold each number's shortest exact decimal form, so reading the file
    back gives the same floats.
    """
    suffix = points_file_suffix(path)
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            write_csv(records, handle)
    elif suffix == ".ecsv":
        to_astropy(records).write(path, format="ascii.ecsv", overwrite=True)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(records, handle, indent=1)


def points_file_suffix(path: Union[str, "os.PathLike[str]"]) -> str:
    """The suffix by which ``write_points`` writes ``path``: ".csv", ".ecsv" or ".json".

    Raises ValueError for any other, and ImportError for ECSV without astropy: called
    before downloading the points, it spares a download that could not be written.
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in (".csv", ".ecsv", ".json"):
        raise ApiValueError(f"Cannot write {os.fspath(path)!r}: name it *.csv, *.ecsv or *.json")
    if suffix == ".ecsv":
        require("astropy.table")
    return suffix


def write_csv(records: List[Dict[str, Any]], stream: TextIO) -> None:
    """Write the points to an open text stream as CSV: a header, then a line per point
    with empty cells for nulls and JSON for nested values."""
    columns = point_columns(records)
    writer = csv.writer(stream)
    writer.writerow(columns)
    writer.writerows(zip(*columns.values()))  # the csv module writes None as an empty cell
