"""Checks for the parameters of an operation, made before anything is sent."""

import difflib
import inspect
import typing
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
)
from urllib.parse import quote

from skyportal_client._models.base import Model, OneOf, schema_pattern
from skyportal_client._util.checks import integer_index
from skyportal_client.exceptions import ApiTypeError, ApiValueError

# The keywords every generated method passes on to ApiClient.call_api.
CALL_OPTIONS = ("async_req", "_request_timeout", "_preload_content", "_return_http_data_only", "_headers")


def check_integer(name: str, value: Any, minimum: Optional[int] = None, maximum: Optional[int] = None,
                  required: bool = True) -> Optional[int]:
    """``value`` as an int, or a clear error; bools and floats are refused.

    None is refused when ``required``, and passed through otherwise.
    """
    if value is None:
        if required:
            raise ApiValueError(f"{name} is required")
        return None
    index = integer_index(value)  # numpy integers too
    if index is None:
        raise ApiTypeError(f"{name} must be an integer, not {type(value).__name__} {value!r}")
    value = index
    if minimum is not None and value < minimum:
        raise ApiValueError(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ApiValueError(f"{name} must be at most {maximum}, not {value}")
    return value


def check_string(name: str, value: Any, pattern: Optional[str] = None, min_length: Optional[int] = None,
                 required: bool = True) -> Optional[str]:
    """``value`` if it is a string matching ``pattern``, or a clear error.

    None is refused when ``required``, and passed through otherwise.
    """
    if value is None:
        if required:
            raise ApiValueError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ApiTypeError(f"{name} must be a string, not {type(value).__name__} {value!r}")
    if min_length is not None and len(value) < min_length:
        raise ApiValueError(f"{name} must not be empty")
    if pattern is not None and not schema_pattern(pattern).search(value):
        raise ApiValueError(f"{name} {value!r} cannot be sent: it must match {pattern}")
    return value


def check_boolean(name: str, value: Any) -> Optional[str]:
    """``value`` as a query value, "true" or "false" (None is passed through), or a clear error."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ApiTypeError(f"{name} must be True or False, not {type(value).__name__} {value!r}")
    return "true" if value else "false"


def check_integer_list(name: str, value: Any) -> Optional[str]:
    """A list of integers as SkyPortal reads it from a query, "4,7" (None is passed
    through), or a clear error."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise ApiTypeError(f"{name} must be a list of integers, not {type(value).__name__} {value!r}")
    if not value:
        raise ApiValueError(f"{name} must not be empty: leave it out to mean every one")
    return ",".join(str(check_integer(f"{name}[{index}]", item)) for index, item in enumerate(value))


def check_choice(name: str, value: Any, choices: Sequence[str], required: bool = False) -> Optional[str]:
    """``value`` if it is one of ``choices`` (or None, unless ``required``), or a clear error."""
    if (value is None and not required) or value in choices:
        return value
    raise ApiValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def path_segment(value: Any) -> str:
    """A checked value as one path segment: "/" and other reserved characters escaped,
    "+" and "." kept, since SkyPortal's routes match the raw path."""
    return quote(str(value), safe="+.")


def check_call_options(method: Callable[..., Any], options: Mapping[str, Any]) -> None:
    """Refuses any of ``options`` (a generated method's ``**kwargs``) that is not a
    per-call option of ``CALL_OPTIONS``: an ApiTypeError names ``method`` and, where
    one fits, the parameter the keyword belongs in."""
    unknown = [name for name in options if name not in CALL_OPTIONS]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise ApiTypeError(f"{method.__qualname__}() got an unexpected keyword argument{plural} "
                           + "; ".join(_hints(method, unknown)))


def _hints(method: Callable[..., Any], names: List[str]) -> List[str]:
    """For each of ``names``, what to pass instead: the body whose model has such
    fields, a parameter spelled alike, or else the list of the method's parameters."""
    parameters = [parameter for parameter in inspect.signature(method).parameters if parameter != "kwargs"]
    candidates = parameters + list(CALL_OPTIONS)
    squashed = {candidate.replace("_", "").lower(): candidate for candidate in candidates}
    in_body: Dict[Tuple[str, Type[Model]], List[str]] = {}
    hints: List[str] = []
    for name in names:
        body = next(((parameter, model) for parameter, model in _body_models(method) if name in _fields(model)), None)
        if body is not None:
            in_body.setdefault(body, []).append(name)
            continue
        close = squashed.get(name.replace("_", "").lower()) \
            or next(iter(difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)), None)
        if close is not None:
            hints.append(f"{name!r}: did you mean {close}=?")
        else:
            takes = f"{', '.join(parameters)}, and the per-call options" if parameters else "only the per-call options"
            hints.append(f"{name!r}: it takes {takes} {', '.join(CALL_OPTIONS)}")
    for (parameter, model), fields in in_body.items():
        values = ", ".join(f"{field}={'[...]' if _fields(model)[field].type == 'array' else '...'}" for field in fields)
        hints.insert(0, f"{', '.join(map(repr, fields))}: pass {parameter}={model.__name__}({values})")
    return hints


def _body_models(method: Callable[..., Any]) -> Iterator[Tuple[str, Type[Model]]]:
    """(parameter name, Model class) for each parameter of ``method`` that takes a model."""
    for parameter, hint in typing.get_type_hints(method).items():
        if parameter == "return":
            continue
        for kind in typing.get_args(hint) or (hint,):
            if isinstance(kind, type) and issubclass(kind, Model):
                yield parameter, kind


def _fields(model: Type[Model]) -> Dict[str, Any]:
    """A model's fields; a OneOf's are those of all its variants."""
    if issubclass(model, OneOf):
        fields: Dict[str, Any] = {}
        for variant in model.variants:
            fields.update(variant.fields)
        return fields
    return model.fields
