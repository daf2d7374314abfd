"""Request bodies checked as SkyPortal's pydantic models check them.

Errors come in field order, then one "Extra inputs are not permitted" per
unknown key in body order, joined by "; " after "Invalid/missing
parameters: ", as SkyPortal's ``parse_body`` words them.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .envelope import ApiError


@dataclass(frozen=True)
class Field:
    """One field of a body model: its kind ("str", "int", "dict", "list" or
    "any"), whether it is required, and for a string a pattern to match."""

    kind: str
    required: bool = False
    pattern: str | None = None


def _checked(value: Any, field: Field) -> Any:
    """The value as pydantic (lax mode) loads it; ValueError names the problem."""
    if value is None and not field.required:
        return None
    if field.kind == "str":
        if not isinstance(value, str):
            raise ValueError("Input should be a valid string")
        if field.pattern is not None and not re.match(field.pattern, value):
            raise ValueError(f"String should match pattern '{field.pattern}'")
        return value
    if field.kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("Input should be a valid integer")
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise ValueError("Input should be a valid integer, unable to parse string as an integer") from None
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("Input should be a valid integer, got a number with a fractional part")
        return int(value)
    if field.kind == "dict":
        if not isinstance(value, dict):
            raise ValueError("Input should be a valid dictionary")
        return value
    if field.kind == "list":
        if not isinstance(value, list):
            raise ValueError("Input should be a valid list")
        return value
    return value


def parse_body(data: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """The loaded fields that were given, or ApiError 400 listing every error."""
    loaded: dict[str, Any] = {}
    errors: list[str] = []
    for name, field in fields.items():
        if name not in data:
            if field.required:
                errors.append(f"{name}: Field required")
            continue
        try:
            loaded[name] = _checked(data[name], field)
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
    errors += [f"{key}: Extra inputs are not permitted" for key in data if key not in fields]
    if errors:
        raise ApiError(400, f"Invalid/missing parameters: {'; '.join(errors)}")
    return loaded
