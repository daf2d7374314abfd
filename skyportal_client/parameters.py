"""Checks for the parameters of an operation, made before anything is sent."""

import functools
import re
from urllib.parse import quote

from skyportal_client.exceptions import ApiTypeError, ApiValueError


def check_integer(name, value, minimum=None):
    """``value`` as an int, or a clear error; bools and floats are refused."""
    if value is None:
        raise ApiValueError(f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        index = getattr(value, "__index__", None)  # numpy integers
        if index is None or isinstance(value, bool):
            raise ApiTypeError(f"{name} must be an integer, not {type(value).__name__} {value!r}")
        value = index()
    if minimum is not None and value < minimum:
        raise ApiValueError(f"{name} must be at least {minimum}, not {value}")
    return value


@functools.lru_cache(maxsize=None)
def schema_pattern(pattern: str) -> "re.Pattern[str]":
    """A JSON Schema (ECMA-262) pattern as a Python regex: there, ``$`` is the end of the text,
    while Python's also matches before a final newline (which would let "ZTF21a\n" through)."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def check_string(name, value, pattern=None, min_length=None):
    """``value`` if it is a string matching ``pattern``, or a clear error."""
    if value is None:
        raise ApiValueError(f"{name} is required")
    if not isinstance(value, str):
        raise ApiTypeError(f"{name} must be a string, not {type(value).__name__} {value!r}")
    if min_length is not None and len(value) < min_length:
        raise ApiValueError(f"{name} must not be empty")
    if pattern is not None and not schema_pattern(pattern).search(value):
        raise ApiValueError(f"{name} {value!r} cannot be sent: it must match {pattern}")
    return value


def check_choice(name, value, choices):
    """``value`` if it is None or one of ``choices``, or a clear error."""
    if value is None or value in choices:
        return value
    raise ApiValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def path_segment(value):
    """A checked value as one path segment: "/" and other reserved characters escaped,
    "+" and "." kept, since SkyPortal's routes match the raw path."""
    return quote(str(value), safe="+.")
