"""The light-curve cache: each object's photometry in a CSV file that astropy and pandas read
as it is, beside a small JSON sidecar that says what was asked and how to revalidate it.

One directory caches one server. Its files::

    skyportal-cache.json      the server it caches, and the layout's version
    ZTF21abc.mag.ab.csv       the points of ZTF21abc, asked with format=mag and magsys=ab
    ZTF21abc.mag.ab.json      that file's sidecar

The CSV file is UTF-8: a header line of column names, then a line per point in the order
SkyPortal sent them (by mjd). An empty cell is a null; nested values (``groups``) are JSON
text. ``pandas.read_csv(path)`` and ``astropy.table.Table.read(path, format="ascii.csv")``
read it without this package.

The sidecar is a JSON object:

- ``obj_id`` and ``asked`` (``format``, ``magsys``): what was asked for;
- ``etag``: the answer's Etag, sent back as If-None-Match to revalidate;
- ``server_version``: the SkyPortal version that answered;
- ``fetched_at``, ``checked_at``: when the points were last downloaded, and when the
  server last confirmed them (ISO 8601, UTC);
- ``points``: the CSV file's rows;
- ``csv``: the CSV file's ``bytes``, ``sha256``, and the type of each of its ``columns``
  (int, float, bool, str or json), so that the points read back exactly as sent.

Both files are replaced atomically, the CSV file first. A sidecar vouches only for the CSV
bytes whose size and SHA-256 it records: a file cut short, or one whose sidecar was never
written, is seen as damaged and fetched again, never trusted.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import io
import json
import os
import time
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Union

from skyportal_client._util.atomic_files import PARTIAL_SUFFIX, replace_atomically
from skyportal_client._util.versioned_json import VersionedJson
from skyportal_client.exceptions import CacheError, NoCacheError

LAYOUT_VERSION = 1
MARKER_NAME = "skyportal-cache.json"
MARKER_FILE = VersionedJson(
    format="skyportal-client light curve cache", version=LAYOUT_VERSION, name="light curve cache marker",
    error=CacheError, indent=1,
    unreadable_fix="Delete it to use its directory as a new cache (the light curves in it are then checked "
                   "against the server again)",
    foreign_fix="use another directory as the cache",
    version_fix="use another directory, or a client of that version")
# A sidecar that cannot be used is a light curve to fetch again, which its message says.
SIDECAR_FILE = VersionedJson(
    format="skyportal-client cached light curve", version=LAYOUT_VERSION, name="cached light curve's sidecar",
    error=CacheError, indent=1, unreadable_fix="It is fetched again", foreign_fix="it is fetched again",
    version_fix="it is fetched again")
NOT_CACHED = "not in the cache"
# A file being written is renamed within seconds; one left this long is from a killed run.
STALE_PARTIAL_SECONDS = 3600


@dataclasses.dataclass(frozen=True)
class CacheEntry:
    """One cached light curve whose CSV file matches its sidecar."""

    obj_id: str
    format: str
    magsys: str
    csv_path: str
    etag: Optional[str]
    checked_at: datetime.datetime  # when the server last sent or confirmed these points
    points: int
    sidecar: dict = dataclasses.field(repr=False)
    csv_bytes: bytes = dataclasses.field(repr=False)

    def age(self) -> float:
        """Seconds since the server last sent or confirmed these points."""
        return (datetime.datetime.now(datetime.timezone.utc) - self.checked_at).total_seconds()

    def read(self) -> List[dict]:
        """The points, as the server sent them."""
        return _parse_csv(self.csv_bytes, self.sidecar["csv"]["columns"])


class LightCurveCache:
    """The cache directory ``directory`` for the light curves of ``server`` (a URL).

    Creates the directory, and the cache in it, if there is none; with ``create=False``
    raises NoCacheError instead. Raises CacheError when it caches another server, or was
    written by a newer layout.
    """

    def __init__(self, directory: Union[str, os.PathLike], server: str, *, create: bool = True):
        self.directory = os.fspath(directory)
        self.server = server
        marker = os.path.join(self.directory, MARKER_NAME)
        if not create and not os.path.exists(marker):
            there = "has no " + MARKER_NAME if os.path.isdir(self.directory) else "does not exist"
            raise NoCacheError(f"{self.directory} holds no light curve cache (it {there}): download light curves "
                               "into it first, with download_light_curves(..., cache=...) or "
                               "SkyPortal.photometry.download(..., cache=...)")
        os.makedirs(self.directory, exist_ok=True)
        if os.path.exists(marker):
            self._check_marker(marker)
        else:
            MARKER_FILE.write(marker, {"server": server})
        self._remove_stale_partials()

    def _check_marker(self, marker: str) -> None:
        recorded = MARKER_FILE.read(marker)
        if recorded.get("server") != self.server:
            raise CacheError(f"{self.directory} caches the light curves of {recorded.get('server')}, not of "
                             f"{self.server}: use another directory for this server")

    def _remove_stale_partials(self) -> None:
        too_old = time.time() - STALE_PARTIAL_SECONDS
        with os.scandir(self.directory) as found:
            for item in found:
                if not (item.name.startswith(".") and item.name.endswith(PARTIAL_SUFFIX)):
                    continue
                try:
                    if item.stat().st_mtime < too_old:
                        os.unlink(item.path)
                except FileNotFoundError:  # another run, starting at the same time, removed it
                    pass

    def csv_path(self, obj_id: str, format: str, magsys: str) -> str:
        """Where the points of ``obj_id`` asked with ``format`` and ``magsys`` are cached."""
        return os.path.join(self.directory, f"{obj_id}.{format}.{magsys}.csv")

    def _sidecar_path(self, obj_id: str, format: str, magsys: str) -> str:
        return os.path.join(self.directory, f"{obj_id}.{format}.{magsys}.json")

    def lookup(self, obj_id: str, format: str, magsys: str) -> Tuple[Optional[CacheEntry], str]:
        """(the entry, "") when the light curve is cached whole, else (None, why not)."""
        sidecar_path = self._sidecar_path(obj_id, format, magsys)
        csv_path = self.csv_path(obj_id, format, magsys)
        if not os.path.exists(sidecar_path):
            return None, NOT_CACHED
        try:
            sidecar = SIDECAR_FILE.read(sidecar_path)
            with open(csv_path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None, NOT_CACHED
        except CacheError as error:
            return None, str(error)
        except OSError as error:
            return None, f"the cached files cannot be read ({error})"
        try:
            recorded = sidecar["csv"]
            matches = sidecar["obj_id"] == obj_id and sidecar["asked"] == {"format": format, "magsys": magsys}
            entry = CacheEntry(obj_id, format, magsys, csv_path, sidecar["etag"],
                               datetime.datetime.fromisoformat(sidecar["checked_at"]), sidecar["points"], sidecar,
                               data)
            whole = len(data) == recorded["bytes"] and hashlib.sha256(data).hexdigest() == recorded["sha256"]
        except (KeyError, TypeError, ValueError):
            return None, "its sidecar is not one skyportal_client wrote"
        if not matches:
            return None, "its sidecar describes another light curve"
        if not whole:
            return None, "the cached file was cut short or changed (its size or SHA-256 differs from its sidecar's)"
        return entry, ""

    def store(self, obj_id: str, format: str, magsys: str, points: List[dict], etag: Optional[str],
              server_version: Optional[str]) -> CacheEntry:
        """Cache ``points``, as the server sent them with ``etag``; returns the new entry."""
        columns = _column_kinds(points)
        data = _csv_bytes(points, columns)
        now = _now()
        sidecar = {
            "obj_id": obj_id,
            "asked": {"format": format, "magsys": magsys}, "etag": etag, "server_version": server_version,
            "fetched_at": now.isoformat(), "checked_at": now.isoformat(), "points": len(points),
            "csv": {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "columns": columns},
        }
        csv_path = self.csv_path(obj_id, format, magsys)
        replace_atomically(csv_path, data)
        SIDECAR_FILE.write(self._sidecar_path(obj_id, format, magsys), sidecar)
        return CacheEntry(obj_id, format, magsys, csv_path, etag, now, len(points), sidecar, data)

    def confirm(self, entry: CacheEntry) -> CacheEntry:
        """Record that the server confirmed ``entry`` just now (a 304); returns the updated entry."""
        now = _now()
        sidecar = {**entry.sidecar, "checked_at": now.isoformat()}
        SIDECAR_FILE.write(self._sidecar_path(entry.obj_id, entry.format, entry.magsys), sidecar)
        return dataclasses.replace(entry, checked_at=now, sidecar=sidecar)

    def keys(self) -> List[Tuple[str, str, str]]:
        """(obj_id, format, magsys) of every light curve in the directory, whole or not, sorted."""
        found: Set[Tuple[str, str, str]] = set()
        for name in os.listdir(self.directory):
            parts = name.rsplit(".", 3)
            if len(parts) == 4 and parts[3] in ("csv", "json") and not name.startswith("."):
                found.add((parts[0], parts[1], parts[2]))
        return sorted(found)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


# -- the CSV file -------------------------------------------------------------------------
# Each column's type is recorded so that the points read back exactly. A column of one
# plain type is written as such; anything else (nested values, a column mixing types,
# text that includes an empty string, which would read back as a null) is written as
# JSON, which keeps every value and type, in a cell of its own.


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    for kind, types in (("int", int), ("float", float), ("str", str)):
        if isinstance(value, types) and (kind != "str" or value):
            return kind
    return "json"


def _column_kinds(points: List[dict]) -> Dict[str, str]:
    names: Dict[str, None] = {}
    for point in points:
        names.update(dict.fromkeys(point))
    kinds = {}
    for name in names:
        found = {_kind(point.get(name)) for point in points if point.get(name) is not None}
        kinds[name] = found.pop() if len(found) == 1 else "json" if found else "float"
    return kinds


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    return json.dumps(value) if kind == "json" else str(value)  # str(float) is its shortest exact form


_READERS: Dict[str, Callable[[str], Any]] = {
    "int": int, "float": float, "bool": lambda cell: cell == "True", "str": str, "json": json.loads}


def _csv_bytes(points: List[dict], columns: Dict[str, str]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_cell(point.get(name), kind) for name, kind in columns.items()] for point in points])
    return text.getvalue().encode("utf-8")


def _parse_csv(data: bytes, columns: Dict[str, str]) -> List[dict]:
    rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    names = next(rows)
    readers = [(name, _READERS[columns[name]]) for name in names]
    return [{name: None if cell == "" else read(cell) for (name, read), cell in zip(readers, row)} for row in rows]
