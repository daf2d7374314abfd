"""JSON in and out: request bodies as compact JSON that SkyPortal can store, answers decoded."""

from __future__ import annotations

import json
from typing import Any

from skyportal_client.exceptions import ApiValueError


def dumps(body: Any) -> bytes:
    """The JSON bytes of a request body; NaN and infinity are refused, as SkyPortal cannot store them."""
    try:
        return json.dumps(body, allow_nan=False, separators=(",", ":"), default=_model_values).encode()
    except ValueError:
        raise ApiValueError("The body holds NaN or infinity; SkyPortal only stores finite numbers "
                            "(use None for a missing value)") from None
    except TypeError as error:
        raise ApiValueError(f"The body cannot be sent as JSON: {error}") from None


def _model_values(value: Any) -> Any:
    """A model inside a body travels as its values (``Model.to_dict``)."""
    to_dict = getattr(value, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return to_dict()


def loads(body: bytes) -> Any:
    """The JSON value of ``body``, or None when it is not JSON (the caller says what that means)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
