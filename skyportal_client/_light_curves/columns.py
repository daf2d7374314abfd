"""A light curve's answer decoded straight to columns, without a dict per point (with msgspec, the [fast] extra).

SkyPortal sends a light curve as an envelope whose ``data`` is a list of points: objects that all
have the names of the first point, or fewer. msgspec decodes the points as structs of those names
and the columns are read off the structs, in under half the time ``json.loads`` takes to make a
dict per point (see bench/README.md); nested values (groups, altdata) are kept as their JSON bytes
and turned into table text once per distinct value.

The columns are exactly those ``tables.point_columns`` makes of the records: the same names in the
same order, the same values, None for null or absent, nested values as JSON text. An answer of any
other shape (an error, a point with a name the first point lacks, a value msgspec reads unlike
``json``) is decoded by ``json_codec.loads``, as every answer is, and its points stay records.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from typing import Any, List, Optional, Tuple, Union

from skyportal_client._light_curves.tables import PointColumns, json_cells
from skyportal_client._transport import json_codec

# How much of the answer is read at first to find the first point; doubled until it holds it.
_FIRST_READ = 1 << 16
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
_SCANNER = json.JSONDecoder()
# What a value that is not nested in the first point may be in every other point: a nested one
# there makes msgspec refuse the answer, which json_codec.loads then decodes.
_Scalar = Union[None, bool, int, float, str]
_NESTED, _SCALAR, _NULL = "nested", "scalar", "null"


def decode_light_curve(body: bytes) -> Any:
    """The envelope of a light curve's answer with ``data`` as PointColumns, when msgspec is
    installed (and json_codec's fast path on) and the answer is a success with a list of points;
    else what ``json_codec.loads`` gives."""
    if not json_codec.fast_json_enabled():
        return json_codec.loads(body)
    try:
        import msgspec
    except ImportError:
        return json_codec.loads(body)
    first = _first_point(body)
    if first is _NOT_POINTS:
        return json_codec.loads(body)
    kinds = () if first is None else tuple((name, _kind(value)) for name, value in first.items())
    try:
        envelope = _decoder(kinds).decode(body)
    except msgspec.DecodeError:
        return json_codec.loads(body)
    if envelope.status != "success" or not _same_first_point(envelope.data, first, kinds):
        return json_codec.loads(body)
    decoded = {"status": envelope.status, "data": _columns(envelope.data, kinds)}
    for name in ("version", "message"):
        value = getattr(envelope, name)
        if value is not msgspec.UNSET:
            decoded[name] = value
    return decoded


_NOT_POINTS = object()


def _first_point(body: bytes) -> Any:
    """The first point of the envelope's ``data`` list, read off the start of the body: a dict,
    None for an empty list, or _NOT_POINTS when the body does not start as an envelope of points."""
    size = _FIRST_READ
    while True:
        try:
            return _scan_first_point(bytes(body[:size]).decode("utf-8", "replace"))
        except (ValueError, TypeError, RecursionError):
            if size >= len(body):
                return _NOT_POINTS
            size *= 4  # the first point, or what comes before ``data``, is longer than read


def _scan_first_point(text: str) -> Optional[dict]:
    """Reads the envelope's keys in order up to ``data``, and the first point of it."""
    index = _skip_space(text, 0)
    _expect(text, index, "{")
    while True:
        key, index = _SCANNER.raw_decode(text, _skip_space(text, index + 1))
        if type(key) is not str:
            raise TypeError("a key that is not text")
        index = _skip_space(text, index)
        _expect(text, index, ":")
        index = _skip_space(text, index + 1)
        if key == "data":
            _expect(text, index, "[")
            index = _skip_space(text, index + 1)
            if text.startswith("]", index):
                return None
            point, _ = _SCANNER.raw_decode(text, index)
            if type(point) is not dict:
                raise TypeError("a point that is not an object")
            return point
        _, index = _SCANNER.raw_decode(text, index)
        index = _skip_space(text, index)
        _expect(text, index, ",")


def _skip_space(text: str, index: int) -> int:
    space = _SPACE.match(text, index)
    assert space is not None  # the pattern matches the empty string too
    return space.end()


def _expect(text: str, index: int, character: str) -> None:
    if not text.startswith(character, index):
        raise ValueError(f"expected {character!r} at {index}")


def _kind(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return _NESTED
    return _NULL if value is None else _SCALAR


@functools.lru_cache(maxsize=16)
def _decoder(kinds: Tuple[Tuple[str, str], ...]) -> Any:
    """msgspec's decoder of an envelope whose points have the names of ``kinds``: nested values
    as their JSON bytes, values null in the first point as anything, the rest as JSON scalars.
    Names no point has are None, as in records read with ``.get``; a name the first point lacks
    makes it refuse the answer."""
    import msgspec

    types = {_NESTED: msgspec.Raw, _NULL: Any, _SCALAR: _Scalar}
    # Fields named f0, f1, ... so that any name (a keyword, one with a dash) can be a point's.
    point = msgspec.defstruct(
        "Point", [(f"f{index}", types[kind], None) for index, (_, kind) in enumerate(kinds)],
        rename={f"f{index}": name for index, (name, _) in enumerate(kinds)}, forbid_unknown_fields=True, gc=False,
    )
    envelope = msgspec.defstruct(
        "Envelope", [("status", Any), ("data", List[point]), ("version", Any, msgspec.UNSET),  # type: ignore[valid-type]
                     ("message", Any, msgspec.UNSET)], forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(envelope)


def _same_first_point(points: list, first: Optional[dict], kinds: Tuple[Tuple[str, str], ...]) -> bool:
    """Whether msgspec's first point is the one read off the start of the body (with their
    reading of the same bytes, it is; this holds the two readings to each other)."""
    if first is None or not points:
        return first is None and not points
    for index, (name, kind) in enumerate(kinds):
        value = getattr(points[0], f"f{index}")
        if kind == _NESTED:
            if value is None or json.loads(bytes(value)) != first[name]:
                return False
        elif type(value) is not type(first[name]) or value != first[name]:
            return False
    return True


def _columns(points: list, kinds: Tuple[Tuple[str, str], ...]) -> PointColumns:
    columns = PointColumns()
    for index, (name, kind) in enumerate(kinds):
        values = list(map(operator.attrgetter(f"f{index}"), points))
        # A value null in the first point may be anything in another, a nested value too.
        columns[name] = _nested_cells(values) if kind == _NESTED else json_cells(values) if kind == _NULL else values
    return columns


def _nested_cells(raws: list) -> list:
    """The table cells of a column of JSON bytes: each distinct value decoded and made text once."""
    texts: List[Optional[bytes]]
    try:
        texts = list(map(bytes, raws))
    except TypeError:  # a point without the value: None
        texts = [None if raw is None else bytes(raw) for raw in raws]
    cells = {text: _nested_cell(text) for text in set(texts)}
    return list(map(cells.__getitem__, texts))


def _nested_cell(text: Optional[bytes]) -> Any:
    if text is None:
        return None
    return json_cells([json.loads(text)])[0]
