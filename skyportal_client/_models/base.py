"""What every model shares: the rules a field's values must follow, construction, conversion to JSON-ready dicts.

The rules come from openapi.yaml (each generated model lists its ``Field``s): a type,
whether null is allowed, a minimum, an enum, a minimum length, a pattern. Each rule
is one small object that knows both forms of its check: a fast one over a whole
column (the common case, where every value is fine, checked at C speed) and the
one-value check that names each bad value when the fast one fails. Models and the
bulk-upload checks use the same rules, and both report every problem, not the first.

A model checks its values when it is built, so a bad body raises here, naming the
field and the point, before anything is sent. Responses are decoded without checks
(``Model.from_server``): the server's data is taken as it comes, and an object in it
reads as its model when it is accessed.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import math
import operator
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type

from skyportal_client._models.problems import (
    TYPE_KIND,
    Problem,
    only_type_problems,
    report,
)
from skyportal_client._util.checks import integer_index
from skyportal_client.exceptions import ApiTypeError, ApiValueError

_MISSING = object()


@functools.lru_cache(maxsize=None)
def schema_pattern(pattern: str) -> "re.Pattern[str]":
    """A JSON Schema (ECMA-262) pattern as a Python regex: there, ``$`` is the end of the text,
    while Python's also matches before a final newline (which would let "ZTF21a\n" through)."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _shown(value: Any) -> str:
    """A value in a message: its type and repr, cut short."""
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:59] + '…'}"


def as_list(value: Any) -> Optional[list]:
    """A column as a list (lists as they are; tuples, numpy arrays, pandas Series converted), or None
    for a single value."""
    if type(value) is list:
        return value
    if isinstance(value, tuple):
        return list(value)
    tolist = getattr(value, "tolist", None)  # numpy arrays and pandas Series
    if tolist is not None:
        converted = tolist()
        if isinstance(converted, list):
            return converted
    return None


class _Bad(Exception):
    """A value that breaks a type rule: ``detail`` says how."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


# -- the rules -------------------------------------------------------------------------------
# Each rule has a kind (which groups its problems in a report), ``column_ok`` (True when no
# value of a list of non-null values breaks it) and ``problem`` (what is wrong with one value,
# or None). Type rules also ``convert`` a value to what is sent (numpy scalars to int or float);
# their ``column_ok`` takes the set of the types of the column's non-null values, which
# ``Field.check_column`` has made once for the nulls and the types together.


class _NumberRule:
    kind = TYPE_KIND

    @staticmethod
    def column_ok(kinds: set) -> bool:
        return kinds <= {float, int}

    @staticmethod
    def convert(value: Any) -> Any:
        if isinstance(value, (bool, str)) or not hasattr(value, "__float__"):
            raise _Bad(f"must be a number, not {_shown(value)}")
        return value if type(value) in (int, float) else float(value)  # numpy floats, Decimal


class _IntegerRule:
    kind = TYPE_KIND

    @staticmethod
    def column_ok(kinds: set) -> bool:
        return kinds <= {int}

    @staticmethod
    def convert(value: Any) -> Any:
        index = integer_index(value)  # numpy integers too
        if index is None:
            raise _Bad(f"must be an integer, not {_shown(value)}")
        return index


class _DateTimeRule:
    """An ISO 8601 string, a datetime or a date, sent as a naive UTC ISO string (SkyPortal reads naive times as UTC)."""

    kind = TYPE_KIND

    @staticmethod
    def column_ok(kinds: set) -> bool:
        return False  # every value is converted

    @staticmethod
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            from dateutil.parser import isoparse

            try:
                value = isoparse(value)
            except ValueError:
                raise _Bad(f"must be an ISO 8601 date and time, not {value!r}") from None
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return value.isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat() + "T00:00:00"
        raise _Bad(f"must be a datetime, not {_shown(value)}")


class _PlainTypeRule:
    """A string, boolean, list or dict, as the JSON type says."""

    kind = TYPE_KIND
    _python_types = {"string": (str,), "boolean": (bool,), "array": (list, tuple), "object": (dict,)}
    _described = {"string": "a string", "boolean": "True or False", "array": "a list", "object": "a dict"}

    def __init__(self, json_type: str):
        self.json_type = json_type
        self.types = self._python_types[json_type]

    def column_ok(self, kinds: set) -> bool:
        return kinds <= set(self.types)

    def convert(self, value: Any) -> Any:
        if not isinstance(value, self.types):
            raise _Bad(f"must be {self._described[self.json_type]}, not {_shown(value)}")
        return value


class _FiniteRule:
    kind = "not finite"

    @staticmethod
    def column_ok(present: list) -> bool:
        # inf, -inf and NaN make the sum non-finite, and so does an overflow of finite
        # values, which the value-by-value check then accepts. A plain sum, not math.fsum:
        # exactness is not needed here, and fsum is six times slower.
        try:
            return math.isfinite(sum(present))
        except OverflowError:  # an int too large for a float
            return False

    @staticmethod
    def problem(value: Any) -> Optional[str]:
        if type(value) is int or math.isfinite(value):
            return None
        return f"is {value!r}; SkyPortal only stores finite numbers (use None for a missing value)"


class _MinimumRule:
    kind = "too small"

    def __init__(self, minimum: float, exclusive: bool):
        self.minimum = minimum
        self.exclusive = exclusive

    def column_ok(self, present: list) -> bool:
        lowest = min(present)
        return lowest > self.minimum or (lowest == self.minimum and not self.exclusive)

    def problem(self, value: Any) -> Optional[str]:
        if value > self.minimum or (value == self.minimum and not self.exclusive):
            return None
        if value != value or value in (math.inf, -math.inf):  # NaN and infinities: the finite rule's to report
            return None
        return f"must be {'greater than' if self.exclusive else 'at least'} {self.minimum:g}, not {value!r}"


class _MinLengthRule:
    kind = "empty"

    def __init__(self, min_length: int):
        self.min_length = min_length

    def column_ok(self, present: list) -> bool:
        return min(map(len, present)) >= self.min_length

    def problem(self, value: Any) -> Optional[str]:
        return None if len(value) >= self.min_length else "must not be empty"


class _EnumRule:
    kind = "not allowed"

    def __init__(self, allowed: Sequence[str]):
        self.allowed = tuple(allowed)
        self._set = frozenset(allowed)

    def column_ok(self, present: list) -> bool:
        return set(present) <= self._set

    def problem(self, value: Any) -> Optional[str]:
        return None if value in self._set else f"must be one of {', '.join(self.allowed)}; got {value!r}"


class _PatternRule:
    kind = "bad characters"

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._compiled = schema_pattern(pattern)

    def column_ok(self, present: list) -> bool:
        return all(map(self._compiled.search, present))

    def problem(self, value: Any) -> Optional[str]:
        return None if self._compiled.search(value) else f"{value!r} cannot be sent: it must match {self.pattern}"


def _type_rule(json_type: Optional[str], format: Optional[str]) -> Any:
    if json_type is None:
        return None
    if json_type == "number":
        return _NumberRule
    if json_type == "integer":
        return _IntegerRule
    if json_type == "string" and format == "date-time":
        return _DateTimeRule
    return _PlainTypeRule(json_type)


class Field:
    """One property of a model, as openapi.yaml describes it, and the rules its values follow.

    ``type`` is the JSON type ("string", "integer", "number", "boolean", "array",
    "object"), or None for a value of several shapes that the server checks.
    A ``column`` field takes one value for every point or a list of one value per point.
    An "object" field with a ``model`` (another schema of openapi.yaml) reads as that
    model when the server sent it; see ``decode``.
    """

    __slots__ = ("type", "required", "nullable", "column", "items", "format", "minimum", "exclusive_minimum",
                 "min_length", "enum", "pattern", "model", "_type_rule", "_value_rules")

    def __init__(self, type: Optional[str], *, required: bool = False, nullable: bool = False, column: bool = False,
                 items: Optional[Field] = None, format: Optional[str] = None, minimum: Optional[float] = None,
                 exclusive_minimum: bool = False, min_length: Optional[int] = None,
                 enum: Optional[Sequence[str]] = None, pattern: Optional[str] = None, model: Optional[Type[Model]] = None):
        self.type = type
        self.required = required
        self.nullable = nullable
        self.column = column
        self.items = items
        self.format = format
        self.minimum = minimum
        self.exclusive_minimum = exclusive_minimum
        self.min_length = min_length
        self.enum = enum
        self.pattern = pattern
        self.model = model
        self._type_rule = _type_rule(type, format)
        rules: List[Any] = []
        if type == "number":
            rules.append(_FiniteRule)
        if minimum is not None:
            rules.append(_MinimumRule(minimum, exclusive_minimum))
        if min_length is not None:
            rules.append(_MinLengthRule(min_length))
        if enum is not None:
            rules.append(_EnumRule(enum))
        if pattern is not None:
            rules.append(_PatternRule(pattern))
        self._value_rules = tuple(rules)

    @property
    def plain_json(self) -> bool:
        """Whether a value that passed this field's rules is JSON's plainest: a finite number, an
        integer, text or a boolean, or a column of them (not an object, an array or a free-form value)."""
        return self.type in ("number", "integer", "string", "boolean")

    def decode(self, value: Any) -> Any:
        """A value the server sent, with the objects this field describes as their models.

        Done when the value is read, not when the answer arrives, so that an answer
        costs nothing until used and ``to_dict`` returns exactly what the server sent.
        """
        if self.model is not None and isinstance(value, dict):
            return self.model.from_server(value)
        if self.items is not None and self.items.model is not None and isinstance(value, list):
            return [self.items.decode(item) for item in value]
        return value

    def check(self, name: str, value: Any) -> Tuple[Any, List[Problem]]:
        """The value to send for field ``name`` (a column as a list, or one value), and its problems."""
        values = as_list(value) if self.column else None
        if values is not None:
            return self.check_column(name, values)
        checked, problems = self.check_column(name, [value])
        return checked[0], [Problem(None, problem.column, problem.kind, problem.detail) for problem in problems]

    def check_column(self, name: str, values: list) -> Tuple[list, List[Problem]]:
        """The values to send (converted where a value is a numpy scalar, a datetime...) and
        every problem, in the order of the points, with the position of each bad value."""
        problems: List[Problem] = []
        # One pass for whether there are nulls and for the types of the rest.
        kinds = set(map(type, values))
        if type(None) in kinds:
            kinds.discard(type(None))
            present = [value for value in values if value is not None]
            if not self.nullable:
                problems += [Problem(row, name, "null", "is null; it needs a value")
                             for row, value in enumerate(values) if value is None]
        else:
            present = values
        rule = self._type_rule
        if present and rule is not None and not rule.column_ok(kinds):
            values, problems = self._convert(name, values, rule, problems)
            present = [value for value in values if value is not None and value is not _MISSING]
        for value_rule in self._value_rules if present else ():
            if not value_rule.column_ok(present):
                problems += [Problem(row, name, value_rule.kind, detail) for row, value in enumerate(values)
                             if value is not None and value is not _MISSING
                             and (detail := value_rule.problem(value)) is not None]
        if self.items is not None and present:
            values = list(values)
            for row, value in enumerate(values):
                if value is not None and value is not _MISSING:
                    values[row], item_problems = self.items.check_column(f"{name}[{row}]", list(value))
                    problems += item_problems
        if problems:
            problems.sort(key=lambda problem: (problem.row is None, problem.row or 0))
        return values, problems

    @staticmethod
    def _convert(name: str, values: list, rule: Any, problems: List[Problem]) -> Tuple[list, List[Problem]]:
        converted = list(values)
        for row, value in enumerate(values):
            if value is None:
                continue
            try:
                converted[row] = rule.convert(value)
            except _Bad as bad:
                converted[row] = _MISSING  # the later rules skip it
                problems = problems + [Problem(row, name, TYPE_KIND, bad.detail)]
        return converted, problems


class Model:
    """A schema of openapi.yaml as a Python object.

    Build it with keyword arguments (``Model(name=value, ...)``) or from a dict
    (``Model.from_dict(d)``); read values as attributes or with ``model["name"]``.
    Subclasses list their fields in ``fields``; ``additional_properties`` says
    whether other keys are kept (True) or refused (False); ``max_points``, when
    set, is the most points (list length) one request may carry;
    ``required_if_null`` lists (field, needed) pairs: where ``field`` is null or
    absent, ``needed`` must be given (a non-detection needs its limit);
    ``null_together`` lists groups of fields that are null together or not at all.
    """

    fields: Dict[str, Field] = {}
    # The values, as given or as the server sent them; a OneOf holds the chosen variant's model here.
    _values: Any
    additional_properties = False
    max_points: Optional[int] = None
    required_if_null: Tuple[Tuple[str, str], ...] = ()
    null_together: Tuple[Tuple[str, ...], ...] = ()

    _checked = False  # whether the values passed ``check``, or came from the server as they are

    def __init__(self, **values: Any):
        checked, problems = self.check(values)
        if problems:
            raise self.error(problems)
        self._values = checked
        self._checked = True

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> Model:
        """The model for a dict of field values, checked like keyword arguments."""
        return cls(**values)

    @classmethod
    def coerce(cls, value: Any, what: str, required: bool = False) -> Optional[Model]:
        """``value`` as this model: a model of it, a dict, or another model's values."""
        if value is None:
            if required:
                raise ApiValueError(f"{what} is required: a {cls.__name__} or a dict of its fields")
            return None
        if isinstance(value, cls):
            return value
        if isinstance(value, Model):
            return cls.from_dict(value.to_dict())
        if isinstance(value, dict):
            return cls.from_dict(value)
        raise ApiTypeError(f"{what} must be a {cls.__name__} or a dict, not {type(value).__name__}")

    @classmethod
    def from_server(cls, values: Dict[str, Any]) -> Model:
        """The model for data the server sent, kept as it came."""
        model = cls.__new__(cls)
        model._values = values
        return model

    @classmethod
    def from_checked(cls, values: Dict[str, Any]) -> Model:
        """The model for values that ``check`` found no problem with, without checking them again."""
        model = cls.from_server(values)
        model._checked = True
        return model

    @classmethod
    def structure_problems(cls, values: Dict[str, Any]) -> List[Problem]:
        """Unknown and missing fields: whether ``values`` can be this model at all."""
        problems = []
        fields = cls.fields
        if not cls.additional_properties:
            unknown = [key for key in values if key not in fields]
            if unknown:
                problems.append(Problem(None, "", "unknown field", (
                    f"has no field {', '.join(map(repr, sorted(unknown)))}; its fields are {', '.join(fields)}")))
        missing = [key for key, field in fields.items() if field.required and key not in values]
        if missing:
            problems.append(Problem(None, "", "missing", f"needs {', '.join(map(repr, missing))}"))
        return problems

    @classmethod
    def check(cls, values: Dict[str, Any]) -> Tuple[Dict[str, Any], List[Problem]]:
        """The values to send as one request, and every problem with them."""
        checked, problems = cls.check_values(values)
        problems = cls.structure_problems(values) + problems
        points = max((len(value) for key, value in checked.items()
                      if isinstance(value, list) and key in cls.fields and cls.fields[key].column), default=None)
        if points is not None and cls.max_points is not None and points > cls.max_points:
            problems.append(Problem(None, "", "too many points", (
                f"has {points} points; SkyPortal takes at most {cls.max_points} per request, "
                "so split them into several requests")))
        return checked, problems

    @classmethod
    def check_values(cls, values: Dict[str, Any]) -> Tuple[Dict[str, Any], List[Problem]]:
        """The values to send, and every problem with the values of the fields given: each
        field's rules, equal column lengths, and the rules that tie fields together."""
        problems: List[Problem] = []
        checked: Dict[str, Any] = {}
        points: Optional[Tuple[str, int]] = None
        for key, value in values.items():
            field = cls.fields.get(key)
            if field is None:
                checked[key] = value
                continue
            checked[key], field_problems = field.check(key, value)
            problems += field_problems
            if field.column and isinstance(checked[key], list):
                if points is None:
                    points = (key, len(checked[key]))
                elif len(checked[key]) != points[1]:
                    problems.append(Problem(None, key, "unequal columns", (
                        f"has {len(checked[key])} values but {points[0]} has {points[1]}; every list needs "
                        "one value per point (a single value applies to all points)")))
        if not any(problem.kind == "unequal columns" for problem in problems):
            problems += cls._row_problems(checked, points[1] if points else None)
        problems.sort(key=lambda problem: (problem.row is not None, problem.row or 0))  # point by point
        return checked, problems

    @classmethod
    def _row_problems(cls, checked: Dict[str, Any], count: Optional[int]) -> List[Problem]:
        """The rules that tie fields together, point by point; a single value counts for every
        point, and an absent field is null. ``count`` is None when no field is a list."""
        problems: List[Problem] = []

        def column(key: str) -> list:
            value = checked.get(key)
            return value if isinstance(value, list) and cls.fields[key].column else [value] * (count or 1)

        needed_alone = []
        for key, needed in cls.required_if_null:
            nulls = column(key)
            if None not in nulls:  # the common case: nothing is null, so nothing more is needed
                continue
            if count is None:
                if checked.get(needed) is None:
                    needed_alone.append(needed)
                continue
            limits = column(needed)
            if None not in limits:  # every point has it, so every point that needs it does
                continue
            problems += [Problem(row, needed, "missing limit", f"is null where {key} is null: a point without {key} needs {needed}")
                         for row, (value, limit) in enumerate(zip(nulls, limits))
                         if value is None and limit is None]
        if needed_alone:
            problems.append(Problem(None, "", "missing", f"needs {', '.join(map(repr, needed_alone))}"))
        for group in cls.null_together:
            columns = [column(key) for key in group]
            if not any(None in values for values in columns):
                continue
            # Where the nulls of every member fall on the same points, no point breaks the rule:
            # one C-level pass per member instead of a Python loop over the points.
            null_masks = [list(map(operator.is_, values, itertools.repeat(None))) for values in columns]
            if all(mask == null_masks[0] for mask in null_masks[1:]):
                continue
            for row, members in enumerate(zip(*columns)):
                nulls = [member is None for member in members]
                if any(nulls) and not all(nulls):
                    given = [key for key, null in zip(group, nulls) if not null]
                    absent = [key for key, null in zip(group, nulls) if null]
                    problems.append(Problem(row if count is not None else None, absent[0], "null alone", (
                        f"is null but {', '.join(given)} is not: {' and '.join(group)} are given together, "
                        "or are all null")))
        return problems

    @classmethod
    def error(cls, problems: List[Problem]) -> Exception:
        """The exception for these problems: ApiTypeError when all are of the wrong type, else ApiValueError."""
        name = cls.__name__
        if len(problems) == 1:
            text = problems[0].in_model(name)
        else:
            text = report(problems, f"in {name}; nothing was sent", lambda problem: problem.in_model(name))
        error = (ApiTypeError if only_type_problems(problems) else ApiValueError)(text)
        error.problems = problems
        return error

    def unverified_values(self) -> Dict[str, Any]:
        """``to_dict`` less what the rules have made plain JSON, for json_codec to look over (for
        NaN, and for types JSON does not have): every value of a model from the server; of a
        checked model, those of fields that are not ``Field.plain_json`` and of unknown keys."""
        if not self._checked:
            return self.to_dict()
        fields = self.fields
        return {key: value.to_dict() if isinstance(value, Model) else value for key, value in self._values.items()
                if key not in fields or not fields[key].plain_json}

    def to_dict(self) -> Dict[str, Any]:
        """The values as a dict ready for JSON."""
        return {key: value.to_dict() if isinstance(value, Model) else value for key, value in self._values.items()}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            value = self._values[name]
        except KeyError:
            if name in self.fields:
                return None
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None
        return self._decoded(name, value)

    def __getitem__(self, key: str) -> Any:
        return self._decoded(key, self._values[key])

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self._values:
            return default
        return self._decoded(key, self._values[key])

    def _decoded(self, key: str, value: Any) -> Any:
        field = self.fields.get(key)
        return value if field is None else field.decode(value)

    def keys(self) -> Any:
        return self._values.keys()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Model):
            return type(self) is type(other) and self._values == other._values
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self._values.items())
        return f"{type(self).__name__}({shown})"


class OneOf(Model):
    """A value of exactly one of several models (``variants``), chosen from its fields.

    The chosen model is ``value``; ``to_dict`` and field access go through to it
    (``Model``'s item access works unchanged, since ``value`` is itself a Model).
    """

    variants: Tuple[Type[Model], ...] = ()

    def __init__(self, **values: Any):
        fitting = [variant for variant in self.variants if not variant.structure_problems(values)]
        for variant in fitting:
            checked, problems = variant.check(values)
            if not problems:
                self._values = variant.from_checked(checked)
                return
        # Report the variant that knows the most of the given fields: for points in
        # flux space, what is wrong as flux, not that "flux" is no magnitude field.
        fit = {variant: sum(key in variant.fields for key in values) for variant in self.variants}
        best = max(fit.values())
        closest = [variant for variant in self.variants if fit[variant] == best]
        if len(closest) == 1:
            raise closest[0].error(closest[0].check(values)[1])
        raise ApiValueError(f"{type(self).__name__} must match one of: "
                            + "; or ".join(str(variant.error(variant.check(values)[1])) for variant in closest))

    @classmethod
    def coerce(cls, value: Any, what: str, required: bool = False) -> Optional[Model]:
        if isinstance(value, cls.variants):
            model = cls.__new__(cls)
            model._values = value
            return model
        return super().coerce(value, what, required)

    @property
    def value(self) -> Model:
        return self._values

    def to_dict(self) -> Dict[str, Any]:
        return self._values.to_dict()

    def unverified_values(self) -> Dict[str, Any]:
        return self._values.unverified_values()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._values, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._values!r})"
