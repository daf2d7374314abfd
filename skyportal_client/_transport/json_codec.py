"""JSON in and out: request bodies as compact JSON that SkyPortal can store, answers decoded.

With the ``[fast]`` extra installed (msgspec and orjson), answers are decoded by
msgspec and bodies encoded by orjson, with byte for byte the results of the standard
library's ``json``: each fast library is used only where its result is known to be
the same, and the standard library decides everything else.

- Decoding: msgspec gives the very values ``json.loads`` gives whenever it accepts the
  input (big integers, duplicate keys and escapes included). What it refuses and
  ``json.loads`` takes (NaN and Infinity, numbers that overflow to infinity, lone
  surrogates, a byte order mark, UTF-16) goes to ``json.loads``.
- Encoding: orjson writes every float of 1e-4 or more in size (and zero) as Python's
  ``repr`` does, and strings as ``json.dumps`` does when they are plain ASCII. A body
  goes to orjson only when it holds nothing but JSON's own types and finite numbers;
  bytes with a non-ASCII or DEL character, or with a float below 1e-4 in size (written
  ``1e-05`` by Python, ``0.00001`` by orjson), are made again by ``json.dumps``.

The libraries are imported on first use; ``use_fast_json(False)`` turns them off.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Optional

from skyportal_client.exceptions import ApiValueError

# Containers nested deeper than this go to json.dumps (orjson stops at 255 levels).
_FAST_DEPTH = 64
_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})
# How many "e"s _small_floats looks at one by one before it searches the bytes for "e-".
_E_LOOKS = 64

_enabled = True
_decode: Optional[Callable[[bytes], Any]] = None
_decode_error: Any = None
_encode: Optional[Callable[[Any], bytes]] = None
_loaded = False


def use_fast_json(enabled: bool) -> None:
    """Use the ``[fast]`` extra's libraries when installed (the default), or the standard library only.

    The results are the same either way; this is for comparing the two, or for ruling the fast path out.
    """
    global _enabled
    _enabled = bool(enabled)


def fast_json_enabled() -> bool:
    """Whether the fast libraries are used where installed (see ``use_fast_json``)."""
    return _enabled


def _load() -> None:
    """Imports the fast libraries once, on first use with the fast path on, so that importing
    the client stays cheap and a client with it off never imports them."""
    global _loaded, _decode, _decode_error, _encode
    if _loaded:
        return
    try:
        import msgspec
    except ImportError:
        pass
    else:
        _decode, _decode_error = msgspec.json.Decoder().decode, msgspec.DecodeError
    try:
        import orjson
    except ImportError:
        pass
    else:
        # Dataclasses, datetimes and subclasses of str, int, dict and list go to ``default``, which
        # turns down all but models: json.dumps then decides, as it does without orjson.
        options = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS

        def encode(body: Any) -> bytes:
            return orjson.dumps(body, default=_model_values, option=options)

        _encode = encode
    _loaded = True


def dumps(body: Any) -> bytes:
    """The JSON bytes of a request body; NaN and infinity are refused, as SkyPortal cannot store them."""
    if _enabled and not _loaded:
        _load()
    if _enabled and _encode is not None and _plain_or_false(body):
        try:
            encoded = _encode(body)
        except TypeError:  # orjson's JSONEncodeError: a type or an integer it does not take
            pass
        else:
            if encoded.isascii() and b"\x7f" not in encoded and not _small_floats(encoded):
                return encoded
    try:
        return json.dumps(body, allow_nan=False, separators=(",", ":"), default=_model_values).encode()
    except ValueError:
        raise ApiValueError("The body holds NaN or infinity; SkyPortal only stores finite numbers "
                            "(use None for a missing value)") from None
    except TypeError as error:
        raise ApiValueError(f"The body cannot be sent as JSON: {error}") from None


def _small_floats(encoded: bytes) -> bool:
    """Whether orjson's bytes may hold a float below 1e-4 in size, which it writes unlike Python's
    repr: with an exponent (``e-``) or, from 1e-5, as ``0.0000...``. Text can hold either too;
    then json.dumps makes the bytes again, to the same effect."""
    # An "e" is found at memchr's speed, and in a body of numbers it stands in the few keys only;
    # two-byte searches go byte by byte.
    index = encoded.find(b"e")
    for _ in range(_E_LOOKS):
        if index < 0:
            break
        if encoded[index + 1:index + 2] == b"-":
            return True
        index = encoded.find(b"e", index + 1)
    else:
        if b"e-" in encoded:
            return True
    return b"0.0000" in encoded


def _model_values(value: Any) -> Any:
    """A model inside a body travels as its values (``Model.to_dict``)."""
    to_dict = getattr(value, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return to_dict()


def _plain_or_false(body: Any) -> bool:
    try:
        return _plain(body, 0)
    except Exception:  # an odd value (a numpy array compared with None, say): json.dumps decides
        return False


def _plain(value: Any, depth: int) -> bool:
    """True when ``value`` holds only dicts with str keys, lists, tuples, str, int, bool, None, finite
    floats and models: what orjson encodes as json.dumps does. Anything else (NaN, which orjson would
    write as null; an Enum or a UUID, which it would write where json.dumps refuses) is False."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return True
    if kind is float:
        return math.isfinite(value)
    if depth > _FAST_DEPTH:
        return False
    if kind is list or kind is tuple:
        return _plain_list(value, depth)
    if kind is dict:
        return all(type(key) is str for key in value) and all(_plain(item, depth + 1) for item in value.values())
    # A model's checked columns of numbers and text are plain JSON already: what is left is looked over.
    unverified = getattr(value, "unverified_values", None)
    if unverified is not None:
        return _plain(unverified(), depth + 1)
    to_dict = getattr(value, "to_dict", None)
    return to_dict is not None and _plain(to_dict(), depth + 1)


def _plain_list(values: Any, depth: int) -> bool:
    """``_plain`` for a list, at C speed for the common columns: numbers, text, either with nulls."""
    try:
        # Only numbers add up; a non-finite sum means a NaN or an infinity (or an overflow:
        # json.dumps then decides). Numbers orjson does not take make it raise, and json.dumps decides.
        return math.isfinite(sum(values))
    except TypeError:
        pass
    except OverflowError:
        return False
    try:
        "".join(values)  # only text joins
        return True
    except TypeError:
        pass
    if None in values:
        present = [value for value in values if value is not None]
        try:
            return math.isfinite(sum(present))
        except TypeError:
            pass
        except OverflowError:
            return False
        try:
            "".join(present)
            return True
        except TypeError:
            pass
    return all(_plain(value, depth + 1) for value in values)


def _text_encoder() -> Optional[Callable[[Any, int], Any]]:
    """The C encoder ``json.dumps(value)`` itself runs, made once instead of on every call, or None
    where the interpreter has none (or it no longer gives json.dumps's text for a probe)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        # The arguments of json.dumps's defaults: no indent, ", " and ": ", ASCII, NaN allowed.
        encoder = make(None, None, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
        probe = [{"a": 1.5, "b": [None, True, "é\n", 10 ** 20, -0.0, 1e-07]}, {}]
        return encoder if "".join(encoder(probe, 0)) == json.dumps(probe) else None
    except Exception:  # a C encoder of another signature: json.dumps does the work
        return None


_encode_text = _text_encoder()


def json_text(value: Any) -> str:
    """``json.dumps(value)``, twice as fast on small values: how tables show nested values (groups, altdata)."""
    if _encode_text is not None:
        try:
            return "".join(_encode_text(value, 0))
        except Exception:  # what json.dumps raises for it (a circular or unknown value) comes from json.dumps
            pass
    return json.dumps(value)


def loads(body: bytes) -> Any:
    """The JSON value of ``body``, or None when it is not JSON (the caller says what that means)."""
    if _enabled and not _loaded:
        _load()
    if _enabled and _decode is not None:
        try:
            return _decode(body)
        except _decode_error:
            pass  # what msgspec refuses, json.loads may still take (NaN, a byte order mark...)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
