"""Columns of an upload as pandas types them, in plain Python.

SkyPortal turns an upload into a pandas DataFrame and runs ``pd.to_numeric``
over every column, so what it stores depends on pandas' rules: the dtype a
list of JSON values gets, and which strings parse as numbers.  The rules
here were checked against pandas 3.0 (SkyPortal 1.4.0's):

- a list of ints is int64, of bools bool, of strings str (None becomes NaN);
  numbers with None are float64 (None becomes NaN); anything else is object;
- ``to_numeric`` leaves numeric and bool columns alone; otherwise it converts
  every value (None and "" become NaN, True becomes 1, numeric strings are
  parsed, surrounding whitespace allowed, "inf"/"Infinity" parse but "nan"
  does not) or, if one value fails, leaves the whole column as it was.
"""

import math
import re
from typing import Any, Literal

NAN = float("nan")
INT64_MAX = 2 ** 63 - 1
INTEGER_TEXT = re.compile(r"^[+-]?[0-9]+$")
FLOAT_TEXT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
INFINITY_TEXT = re.compile(r"^[+-]?(?:inf|infinity)$", re.IGNORECASE)

ColumnKind = Literal["int", "float", "bool", "str", "object"]


class Column:
    """A column's values (NaN as ``float('nan')``) and its pandas kind:
    "int", "float", "bool", "str" or "object"."""

    def __init__(self, values: list[Any], kind: ColumnKind) -> None:
        self.values = values
        self.kind = kind

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float", "bool")

    def __repr__(self) -> str:
        return f"Column({self.values!r}, {self.kind!r})"


def is_missing(value: object) -> bool:
    """pandas' isna: None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def infer(values: list[Any]) -> Column:
    """The Column pandas builds from a list of JSON values."""
    present = [value for value in values if value is not None]
    if not present:
        return Column(list(values), "object")
    if all(isinstance(value, bool) for value in present):
        return Column(list(values), "bool" if len(present) == len(values) else "object")
    if all(_is_number(value) for value in present):
        if len(present) == len(values) and all(isinstance(value, int) for value in present):
            if all(abs(value) <= INT64_MAX for value in present):
                return Column(list(values), "int")
            return Column(list(values), "object")
        return Column([NAN if value is None else float(value) for value in values], "float")
    if all(isinstance(value, str) for value in present):
        return Column([NAN if value is None else value for value in values], "str")
    return Column(list(values), "object")


class _NotNumeric(Exception):
    pass


def parse_number(text: str) -> int | float:
    """A string as pd.to_numeric parses it: int, float, NaN for "", or _NotNumeric."""
    stripped = text.strip()
    if text == "":
        return NAN
    if INTEGER_TEXT.match(stripped):
        return int(stripped)
    if FLOAT_TEXT.match(stripped) or INFINITY_TEXT.match(stripped):
        return float(stripped)
    raise _NotNumeric(text)


def to_numeric(column: Column) -> Column:
    """``pd.to_numeric`` with SkyPortal's fallback: the converted column, or
    the same column when a value does not convert."""
    if column.numeric:
        return column
    converted: list[Any] = []
    for value in column.values:
        if is_missing(value):
            converted.append(NAN)
        elif isinstance(value, bool):
            converted.append(int(value))
        elif _is_number(value):
            converted.append(value)
        elif isinstance(value, str):
            try:
                converted.append(parse_number(value))
            except _NotNumeric:
                return column
        else:  # lists and dicts
            return column
    if all(isinstance(value, int) for value in converted):
        if all(abs(value) <= INT64_MAX for value in converted):
            return Column(converted, "int")
        return Column(converted, "object")
    return Column([float(value) for value in converted], "float")
