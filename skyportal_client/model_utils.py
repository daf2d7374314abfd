"""What every model shares: field checks, construction, conversion to JSON-ready dicts.

A model checks its values when it is built, so a bad body raises here, naming the
field and the point, before anything is sent. Responses are decoded without checks
(``Model.from_server``): the server's data is taken as it comes, and an object in it
reads as its model when it is accessed.
"""

import datetime
import math
import operator
import re

from skyportal_client.exceptions import ApiTypeError, ApiValueError

_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (float, int),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
}


def _as_list(value):
    """A column as a list: lists stay as they are, tuples and numpy arrays are converted."""
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


class Field:
    """One property of a model, as openapi.yaml describes it.

    ``type`` is the JSON type ("string", "integer", "number", "boolean", "array",
    "object"), or None for a value of several shapes that the server checks.
    A ``column`` field takes one value for every point or a list of one value per point.
    An "object" field with a ``model`` (another schema of openapi.yaml) reads as that
    model when the server sent it; see ``decode``.
    """

    __slots__ = (
        "type", "required", "nullable", "column", "items", "format",
        "minimum", "exclusive_minimum", "min_length", "pattern", "enum", "model",
    )

    def __init__(self, type, *, required=False, nullable=False, column=False, items=None,
                 format=None, minimum=None, exclusive_minimum=False, min_length=None, pattern=None,
                 enum=None, model=None):
        self.type = type
        self.required = required
        self.nullable = nullable
        self.column = column
        self.items = items
        self.format = format
        self.minimum = minimum
        self.exclusive_minimum = exclusive_minimum
        self.min_length = min_length
        self.pattern = pattern
        self.enum = enum
        self.model = model

    def decode(self, value):
        """A value the server sent, with the objects this field describes as their models.

        Done when the value is read, not when the answer arrives, so that an answer
        costs nothing until used and ``to_dict`` returns exactly what the server sent.
        """
        if self.model is not None and isinstance(value, dict):
            return self.model.from_server(value)
        if self.items is not None and self.items.model is not None and isinstance(value, list):
            return [self.items.decode(item) for item in value]
        return value

    def check(self, where, value):
        """The value to send for this field, or ApiTypeError/ApiValueError naming ``where``."""
        if self.column:
            values = _as_list(value)
            if values is not None:
                return self._check_column(where, values)
        return self._check_value(where, value)

    def _check_column(self, where, values):
        if self._column_is_plain(values):
            return values
        checked = values
        for index, value in enumerate(values):
            new = self._check_value(f"{where}[{index}]", value)
            if new is not value:
                if checked is values:
                    checked = list(values)
                checked[index] = new
        return checked

    def _column_is_plain(self, values):
        """True when every value is already fine as it is: the common case, checked in C.

        On False the caller walks the column value by value, which finds and names
        the first bad point.
        """
        kinds = set(map(type, values))
        present = values
        if type(None) in kinds:
            if not self.nullable:
                return False
            kinds.discard(type(None))
            present = [value for value in values if value is not None]
        if not present:
            return True
        kind = self.type
        if kind == "integer":
            plain = kinds <= {int}
        elif kind == "number":
            # inf, -inf and NaN make the sum non-finite, and so does an overflow of
            # finite values, which the value-by-value walk then accepts. A plain sum,
            # not math.fsum: exactness is not needed here, and fsum is six times slower.
            try:
                plain = kinds <= {float, int} and math.isfinite(sum(present))
            except OverflowError:  # an int too large for a float
                plain = False
        elif kind == "string" and self.format is None and self.pattern is None:
            plain = kinds <= {str} and (self.min_length is None or min(map(len, present)) >= self.min_length)
            if plain and self.enum is not None:
                plain = set(present) <= set(self.enum)
        else:
            return False
        if plain and self.minimum is not None:
            lowest = min(present)
            plain = lowest > self.minimum or (lowest == self.minimum and not self.exclusive_minimum)
        return plain

    def _check_value(self, where, value):
        if value is None:
            if self.nullable:
                return None
            raise ApiValueError(f"{where} is null; it needs a value")
        kind = self.type
        if kind is None:
            return value
        if kind == "integer":
            value = self._integer(where, value)
        elif kind == "number":
            value = self._number(where, value)
        elif kind == "string" and self.format == "date-time":
            value = self._date_time(where, value)
        elif not isinstance(value, _JSON_TYPES[kind]) or (kind != "boolean" and isinstance(value, bool)):
            raise ApiTypeError(f"{where} must be {_describe(kind)}, not {type(value).__name__} {value!r}")
        if self.minimum is not None and (value < self.minimum or (self.exclusive_minimum and value == self.minimum)):
            bound = "greater than" if self.exclusive_minimum else "at least"
            raise ApiValueError(f"{where} must be {bound} {self.minimum}, not {value!r}")
        if self.min_length is not None and len(value) < self.min_length:
            raise ApiValueError(f"{where} must not be empty")
        if self.pattern is not None and not re.search(self.pattern, value):
            raise ApiValueError(f"{where} {value!r} cannot be sent: it must match {self.pattern}")
        if self.enum is not None and value not in self.enum:
            raise ApiValueError(f"{where} must be one of {', '.join(self.enum)}; got {value!r}")
        if self.items is not None:
            value = [self.items.check(f"{where}[{index}]", item) for index, item in enumerate(value)]
        return value

    @staticmethod
    def _integer(where, value):
        if type(value) is int:
            return value
        if isinstance(value, bool) or isinstance(value, float):
            raise ApiTypeError(f"{where} must be an integer, not {type(value).__name__} {value!r}")
        try:
            return operator.index(value)  # numpy integers
        except TypeError:
            raise ApiTypeError(f"{where} must be an integer, not {type(value).__name__} {value!r}") from None

    @staticmethod
    def _number(where, value):
        if isinstance(value, bool) or isinstance(value, str) or not hasattr(value, "__float__"):
            raise ApiTypeError(f"{where} must be a number, not {type(value).__name__} {value!r}")
        if type(value) is not int:
            value = float(value)  # numpy floats and Decimal travel as JSON numbers
            if not math.isfinite(value):
                raise ApiValueError(
                    f"{where} is {value!r}; SkyPortal only stores finite numbers "
                    "(use null, i.e. None, for a missing value)"
                )
        return value

    @staticmethod
    def _date_time(where, value):
        if isinstance(value, str):
            from dateutil.parser import isoparse

            try:
                value = isoparse(value)
            except ValueError:
                raise ApiValueError(f"{where} must be an ISO 8601 date and time, not {value!r}") from None
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:  # SkyPortal reads naive times as UTC
                value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return value.isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat() + "T00:00:00"
        raise ApiTypeError(f"{where} must be a datetime, not {type(value).__name__} {value!r}")


def _describe(kind):
    return {
        "string": "a string", "boolean": "True or False", "array": "a list", "object": "a dict",
    }[kind]


class Model:
    """A schema of openapi.yaml as a Python object.

    Build it with keyword arguments (``Model(name=value, ...)``) or from a dict
    (``Model.from_dict(d)``); read values as attributes or with ``model["name"]``.
    Subclasses list their fields in ``fields``; ``additional_properties`` says
    whether other keys are kept (True) or refused (False); ``max_points``, when
    set, is the most points (list length) one request may carry;
    ``required_if_null`` lists (field, needed) pairs: when ``field`` is null or
    absent, ``needed`` must be given (a non-detection needs its limit).
    """

    fields = {}
    additional_properties = False
    max_points = None
    required_if_null = ()

    def __init__(self, **values):
        self._values = self._checked(values)

    @classmethod
    def from_dict(cls, values):
        """The model for a dict of field values, checked like keyword arguments."""
        return cls(**values)

    @classmethod
    def coerce(cls, value, what, required=False):
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
    def from_server(cls, values):
        """The model for data the server sent, kept as it came."""
        model = cls.__new__(cls)
        model._values = values
        return model

    def _checked(self, values):
        name = type(self).__name__
        fields = self.fields
        if not self.additional_properties:
            unknown = [key for key in values if key not in fields]
            if unknown:
                raise ApiValueError(
                    f"{name} has no field {', '.join(map(repr, sorted(unknown)))}; "
                    f"its fields are {', '.join(fields)}"
                )
        missing = [key for key, field in fields.items() if field.required and key not in values]
        missing += [needed for key, needed in self.required_if_null
                    if values.get(key) is None and values.get(needed) is None and needed not in missing]
        if missing:
            raise ApiValueError(f"{name} needs {', '.join(map(repr, missing))}")
        checked = {}
        points = None
        for key, value in values.items():
            field = fields.get(key)
            if field is None:
                checked[key] = value
                continue
            checked[key] = value = field.check(f"{name}.{key}", value)
            if field.column and isinstance(value, list):
                if points is None:
                    points = (key, len(value))
                elif len(value) != points[1]:
                    raise ApiValueError(
                        f"{name}.{key} has {len(value)} values but {points[0]} has {points[1]}; "
                        "every list needs one value per point (a single value applies to all points)"
                    )
        if points is not None and self.max_points is not None and points[1] > self.max_points:
            raise ApiValueError(
                f"{name} has {points[1]} points; SkyPortal takes at most {self.max_points} per request, "
                "so split them into several requests"
            )
        return checked

    def to_dict(self):
        """The values as a dict ready for JSON."""
        return {key: value.to_dict() if isinstance(value, Model) else value for key, value in self._values.items()}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            value = self._values[name]
        except KeyError:
            if name in self.fields:
                return None
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None
        return self._decoded(name, value)

    def __getitem__(self, key):
        return self._decoded(key, self._values[key])

    def __contains__(self, key):
        return key in self._values

    def get(self, key, default=None):
        if key not in self._values:
            return default
        return self._decoded(key, self._values[key])

    def _decoded(self, key, value):
        field = self.fields.get(key)
        return value if field is None else field.decode(value)

    def keys(self):
        return self._values.keys()

    def __eq__(self, other):
        if isinstance(other, Model):
            return type(self) is type(other) and self._values == other._values
        return NotImplemented

    def __repr__(self):
        shown = ", ".join(f"{key}={value!r}" for key, value in self._values.items())
        return f"{type(self).__name__}({shown})"


class OneOf(Model):
    """A value of exactly one of several models (``variants``), chosen from its fields.

    The chosen model is ``value``; ``to_dict`` and field access go through to it
    (``Model``'s item access works unchanged, since ``value`` is itself a Model).
    """

    variants = ()

    def __init__(self, **values):
        errors = {}
        for variant in self.variants:
            try:
                self._values = variant(**values)
                return
            except (ApiTypeError, ApiValueError) as error:
                errors[variant] = error
        # Report the variant that knows the most of the given fields: for points in
        # flux space, what is wrong as flux, not that "flux" is no magnitude field.
        fit = {variant: sum(key in variant.fields for key in values) for variant in self.variants}
        best = max(fit.values())
        closest = [variant for variant in self.variants if fit[variant] == best]
        if len(closest) == 1:
            raise errors[closest[0]]
        raise ApiValueError(f"{type(self).__name__} must match one of: "
                            + "; or ".join(str(errors[variant]) for variant in closest))

    @classmethod
    def coerce(cls, value, what, required=False):
        if isinstance(value, cls.variants):
            model = cls.__new__(cls)
            model._values = value
            return model
        return super().coerce(value, what, required)

    @property
    def value(self):
        return self._values

    def to_dict(self):
        return self._values.to_dict()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._values, name)

    def __repr__(self):
        return f"{type(self).__name__}({self._values!r})"
