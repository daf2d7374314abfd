"""Photometry as tables: columns in from many shapes, points out as astropy,
pandas, CSV, ECSV or JSON.

astropy and pandas are optional: they are imported only by the functions that
need them, and a missing one raises an ImportError that names the extra to
install.  CSV and JSON need neither.

In every input a missing value may be written None, NaN (as pandas and numpy
write it) or, in astropy, a masked entry; all of them mean JSON null.

Example::

    >>> from skyportal_client.tables import read_columns
    >>> read_columns([{"mjd": 59400.1, "mag": 19.1}, {"mjd": 59401.2, "mag": float("nan")}])
    {'mjd': [59400.1, 59401.2], 'mag': [19.1, None]}
"""

import csv
import importlib
import itertools
import json
import math
import operator
import os

from skyportal_client.json_codec import json_text

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


def require(module):
    """Import an optional dependency, or raise ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top_level = module.split(".")[0]
        raise ImportError(
            f"{top_level} is needed for this; install it with: pip install \"skyportal-client[{EXTRAS[top_level]}]\""
        ) from None


def plain_value(value):
    """A table's cell as a plain Python value: None for every way a table spells a
    missing value (NaN, pandas.NA), numpy scalars as int, float or str."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # numpy scalars, without importing numpy
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ == "NAType":  # pandas.NA, recognised without importing pandas
        return None
    return value


def _plain_list(values):
    """A column (list, tuple, numpy array, pandas Series) as a list of Python values."""
    tolist = getattr(values, "tolist", None)
    values = tolist() if tolist is not None else list(values)
    return [plain_value(value) for value in values]


def read_columns(data):
    """The columns of ``data`` as ``{name: [value per row]}``, every column as long as the table.

    ``data`` is a list of dicts (one per row; absent keys are None), a dict of
    columns (lists, tuples or numpy arrays; a scalar stands for a column of equal
    values), an astropy Table, a pandas DataFrame, or the path of a .csv or .ecsv
    file.  Units of astropy columns are dropped: give the values in the units
    SkyPortal expects (magnitudes; fluxes on the zero point of the ``zp`` column).
    """
    if isinstance(data, (str, os.PathLike)):
        return _read_file(os.fspath(data))
    if hasattr(data, "colnames"):  # astropy Table or QTable
        return {name: _plain_list(getattr(data[name], "value", data[name])) for name in data.colnames}
    if hasattr(data, "columns") and hasattr(data, "iloc"):  # pandas DataFrame
        return {str(name): _plain_list(data[name]) for name in data.columns}
    if isinstance(data, dict):
        return _broadcast(data)
    if isinstance(data, (list, tuple)):
        return _rows_to_columns(data)
    raise TypeError(
        f"Cannot read photometry from a {type(data).__name__}: pass a list of dicts, a dict of columns, "
        "an astropy Table, a pandas DataFrame, or the path of a .csv or .ecsv file"
    )


def _is_column(values):
    """True for a list of values, False for one value that stands for every row."""
    return isinstance(values, (list, tuple)) or getattr(values, "ndim", 0) >= 1


def _broadcast(columns):
    lists = {name: _plain_list(values) for name, values in columns.items() if _is_column(values)}
    lengths = {len(values) for values in lists.values()}
    if len(lengths) > 1:
        described = ", ".join(f"{name} has {len(values)}" for name, values in lists.items())
        raise ValueError(f"The columns have different lengths ({described}); give every column one value per row")
    length = lengths.pop() if lengths else 1
    return {name: lists[name] if name in lists else [plain_value(values)] * length
            for name, values in columns.items()}


def _rows_to_columns(rows):
    names = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise TypeError(f"Row {index} is a {type(row).__name__}; a list of rows must hold one dict per row")
        names.update(dict.fromkeys(row))
    return {name: [plain_value(row.get(name)) for row in rows] for name in names}


def _read_file(path):
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return _rows_to_columns([{name: _csv_cell(name, cell) for name, cell in row.items()}
                                     for row in csv.DictReader(handle)])
    if suffix == ".ecsv":
        table = require("astropy.table").Table.read(path, format="ascii.ecsv")
        return read_columns(table)
    raise ValueError(f"Cannot read {path!r}: photometry files must end in .csv or .ecsv")


def _csv_cell(name, cell):
    if cell is None or cell == "":
        return None
    if name in TEXT_COLUMNS:
        return cell
    for number in (int, float):
        try:
            return plain_value(number(cell))
        except ValueError:
            pass
    return cell  # not a number: left for the caller's checks to report


# -- points out -------------------------------------------------------------------------


class PointColumns(dict):
    """Points as columns, what every table is made from: ``{name: [value per point]}``, the
    names in the order they first appear in the points, None where a point has null or no
    such value, nested values (groups, altdata) as JSON text.

    ``point_columns`` makes it from records; ``light_curve_columns`` straight from an
    answer's bytes, and both give the same columns for the same points.
    """


def point_columns(points):
    """``points`` (a list of dicts, one per point, or PointColumns) as PointColumns."""
    if isinstance(points, PointColumns):
        return points
    # dict.fromkeys over every record's keys: the names in the order they first appear, at C speed.
    names = dict.fromkeys(itertools.chain.from_iterable(points))
    plain = set(map(type, points)) <= {dict}  # no defaultdict, whose [] would add the name
    return PointColumns((name, json_cells(_column(points, name, plain))) for name in names)


def _column(records, name, plain):
    if plain:
        try:
            return list(map(operator.itemgetter(name), records))  # every record has it, as in an answer
        except KeyError:
            pass
    return [record.get(name) for record in records]


def json_cells(values):
    """A column's values as table cells: lists and dicts become JSON text (``json.dumps``), the rest stay."""
    if not any(issubclass(kind, (list, dict)) for kind in set(map(type, values))):
        return values
    return [json_text(value) if isinstance(value, (list, dict)) else value for value in values]


def _masked_fill(name, kinds):
    """The placeholder under a masked cell, of the column's type: 0.0, 0 or "". ``kinds`` are
    the types of the column's values that are not null."""
    numbers = bool(kinds) and all(issubclass(kind, (int, float)) and not issubclass(kind, bool) for kind in kinds)
    if name in COLUMN_UNITS or numbers and any(issubclass(kind, float) for kind in kinds):
        return 0.0
    return 0 if numbers else ""


def to_astropy(points):
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


def _plain_array(numpy, values):
    """The numpy array astropy's Column makes of a list of plain cells (``numpy.array``, or
    an object array where numpy cannot hold the values, as an int too large for int64)."""
    try:
        return numpy.array(values)
    except Exception:
        return numpy.array(values, dtype=object)


def to_pandas(points):
    """A pandas DataFrame of the points; nulls are NaN (or None in text columns),
    nested values JSON text.

    ``points`` is a list of dicts, one per point (or the PointColumns of ``point_columns``).
    """
    pandas = require("pandas")
    columns = point_columns(points)
    return pandas.DataFrame(dict(columns), columns=list(columns))


def converter(as_):
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
    raise ValueError(f"as_ must be one of {', '.join(TABLE_KINDS)}, not {as_!r}")


def write_points(records, path):
    """Write the points to ``path``, as CSV, ECSV (needs astropy) or JSON by its suffix.

    CSV cells hold each number's shortest exact decimal form, so reading the file
    back gives the same floats.
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            write_csv(records, handle)
    elif suffix == ".ecsv":
        to_astropy(records).write(path, format="ascii.ecsv", overwrite=True)
    elif suffix == ".json":
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(records, handle, indent=1)
    else:
        raise ValueError(f"Cannot write {os.fspath(path)!r}: name it *.csv, *.ecsv or *.json")


def write_csv(records, stream):
    """Write the points to an open text stream as CSV: a header, then a line per point
    with empty cells for nulls and JSON for nested values."""
    columns = point_columns(records)
    writer = csv.writer(stream)
    writer.writerow(columns)
    writer.writerows(zip(*columns.values()))  # the csv module writes None as an empty cell
