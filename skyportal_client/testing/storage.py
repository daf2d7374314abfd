"""SQLite storage for the embedded server (its connection and lock: ``database``).

Photometry rows are unique on SkyPortal's deduplication key
(obj_id, instrument_id, origin, mjd, fluxerr, flux).  SQL treats NULLs as
distinct, so a non-detection's NaN flux is stored as the text ``'__nan__'``
(the sentinel SkyPortal itself shows in duplicate messages), which makes two
non-detections with the same error collide as they do on PostgreSQL; a NaN
fluxerr is stored the same way.
"""

import json
import math
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .accounts import AccountRecords, Caller
from .alert_records import ALERT_SCHEMA, AlertRecords
from .catalog import CatalogRecords
from .clock import utcnow_iso
from .query_cache import QueryCache

NAN_FLUX = "__nan__"

DedupKey = tuple[object, ...]
# A check the handler runs on points inside the insert, where SkyPortal runs it; it may raise.
PointsCheck = Callable[[list[dict[str, Any]]], None]

SCHEMA = """
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, last_value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    nickname TEXT,
    description TEXT,
    private INTEGER NOT NULL DEFAULT 0,
    auto_accept_requests INTEGER NOT NULL DEFAULT 0,
    single_user_group INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    single_user_group_id INTEGER NOT NULL REFERENCES groups(id),
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS group_users (
    group_id INTEGER NOT NULL REFERENCES groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    admin INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    acls TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS telescopes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    nickname TEXT NOT NULL,
    lat REAL, lon REAL, elevation REAL, diameter REAL NOT NULL,
    skycam_link TEXT, weather_link TEXT,
    robotic INTEGER NOT NULL, fixed_location INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS instruments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    band TEXT,
    telescope_id INTEGER NOT NULL REFERENCES telescopes(id),
    filters TEXT NOT NULL,
    properties TEXT NOT NULL,  -- JSON: the other Instrument columns given on creation
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objs (
    id TEXT PRIMARY KEY,
    ra REAL, dec REAL,
    healpix INTEGER,
    internal_key TEXT NOT NULL,
    properties TEXT NOT NULL,  -- JSON: the other Obj columns given on creation
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
-- SkyPortal's "sources": an object saved to a group.  Unsaving keeps the row, inactive.
CREATE TABLE IF NOT EXISTS sources (
    obj_id TEXT NOT NULL REFERENCES objs(id),
    group_id INTEGER NOT NULL REFERENCES groups(id),
    saved_by_id INTEGER NOT NULL REFERENCES users(id),
    saved_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    requested INTEGER NOT NULL DEFAULT 0,
    unsaved_by_id INTEGER REFERENCES users(id),
    PRIMARY KEY (obj_id, group_id)
);
CREATE TABLE IF NOT EXISTS photometry (
    id INTEGER PRIMARY KEY,
    obj_id TEXT NOT NULL REFERENCES objs(id),
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    origin TEXT NOT NULL,
    mjd REAL NOT NULL,
    fluxerr NOT NULL,  -- REAL, or '__nan__' (a NaN n-sigma gives a NaN error)
    flux NOT NULL,  -- REAL, or the text '__nan__' for a non-detection
    filter TEXT NOT NULL,
    ra REAL, dec REAL, ra_unc REAL, dec_unc REAL,
    ref_flux REAL, ref_fluxerr REAL,
    altdata TEXT,
    original_user_data TEXT,
    upload_id TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS deduplication_index
    ON photometry (obj_id, instrument_id, origin, mjd, fluxerr, flux);
CREATE INDEX IF NOT EXISTS photometry_upload_id ON photometry (upload_id);
CREATE TABLE IF NOT EXISTS photometry_groups (
    photometry_id INTEGER NOT NULL REFERENCES photometry(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id),
    PRIMARY KEY (photometry_id, group_id)
);
"""

POINT_COLUMNS = (
    "obj_id", "instrument_id", "origin", "mjd", "fluxerr", "flux", "filter",
    "ra", "dec", "ra_unc", "dec_unc", "ref_flux", "ref_fluxerr", "altdata", "original_user_data",
)


class TooManyGroupRows(Exception):
    """An insert of more (group id, photometry id) rows than one statement
    can bind: ``pairs`` are the rows it would have written, ``for_duplicates``
    tells a PUT's rows for points already stored from those for new ones."""

    def __init__(self, pairs: list[tuple[int, int]], for_duplicates: bool = False) -> None:
        super().__init__(len(pairs))
        self.pairs = pairs
        self.for_duplicates = for_duplicates


class RepeatedPoints(Exception):
    """A PUT whose new ``points`` repeat each other."""

    def __init__(self, points: list[dict[str, Any]]) -> None:
        super().__init__(len(points))
        self.points = points


class DuplicatePoints(Exception):
    """A POST whose points are already stored (``stored_keys``, the keys found
    in the database) or repeat each other (``stored_keys`` empty)."""

    def __init__(self, stored_keys: list[DedupKey]) -> None:
        super().__init__(stored_keys)
        self.stored_keys = stored_keys


def dedup_key(point: Mapping[str, Any]) -> DedupKey:
    """The deduplication key of a point dict, flux NaN as the sentinel."""
    return (point["obj_id"], point["instrument_id"], point["origin"], point["mjd"],
            _flux_to_db(point["fluxerr"]), _flux_to_db(point["flux"]))


def _flux_to_db(flux: float) -> float | str:
    return NAN_FLUX if math.isnan(flux) else flux


def _point_from_row(row: sqlite3.Row) -> dict[str, Any]:
    point = dict(row)
    for key in ("flux", "fluxerr"):
        if point[key] == NAN_FLUX:
            point[key] = math.nan
    for key in ("altdata", "original_user_data"):
        point[key] = json.loads(point[key]) if point[key] is not None else None
    return point


class Store(AccountRecords, CatalogRecords, AlertRecords):
    """The embedded server's database: photometry here, the rest in its parts."""

    def __init__(self, db_path: str | None = None) -> None:
        super().__init__(db_path, SCHEMA + ALERT_SCHEMA)
        self.source_queries = QueryCache()  # in memory: SkyPortal keeps it apart from the database too

    # -- photometry ------------------------------------------------------------

    def next_photometry_ids(self, count: int) -> list[int]:
        """Take ``count`` values from the id sequence.  Committed on its own, so
        a failed insert uses its ids up and they are never handed out again."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO sequences (name, last_value) VALUES ('photometry', 0)")
            db.execute("UPDATE sequences SET last_value = last_value + ? WHERE name = 'photometry'", (count,))
            last = db.execute("SELECT last_value FROM sequences WHERE name = 'photometry'").fetchone()[0]
        return list(range(last - count + 1, last + 1))

    @staticmethod
    def _point_values(point: Mapping[str, Any]) -> list[Any]:
        """A point's POINT_COLUMNS values as stored."""
        values = dict(point, flux=_flux_to_db(point["flux"]), fluxerr=_flux_to_db(point["fluxerr"]))
        for column in ("altdata", "original_user_data"):
            if values[column] is not None:
                values[column] = json.dumps(values[column])
        return [values[column] for column in POINT_COLUMNS]

    def _insert_point(self, db: sqlite3.Connection, point_id: int, point: Mapping[str, Any], upload_id: str,
                      owner_id: int, created_at: str) -> bool:
        columns = ", ".join(POINT_COLUMNS)
        marks = ", ".join("?" * len(POINT_COLUMNS))
        cursor = db.execute(
            f"INSERT OR IGNORE INTO photometry (id, {columns}, upload_id, owner_id, created_at) "
            f"VALUES (?, {marks}, ?, ?, ?)",
            (point_id, *self._point_values(point), upload_id, owner_id, created_at))
        return cursor.rowcount == 1

    @staticmethod
    def _add_groups(db: sqlite3.Connection, point_id: int, group_ids: Iterable[int]) -> None:
        db.executemany("INSERT OR IGNORE INTO photometry_groups (photometry_id, group_id) VALUES (?, ?)",
                       [(point_id, group_id) for group_id in group_ids])

    @staticmethod
    def _existing_id(db: sqlite3.Connection, key: DedupKey) -> int | None:
        row = db.execute(
            "SELECT id FROM photometry WHERE obj_id = ? AND instrument_id = ? AND origin = ? "
            "AND mjd = ? AND fluxerr = ? AND flux = ?", key).fetchone()
        return row["id"] if row else None

    def insert_points(self, points: list[dict[str, Any]], group_ids: list[int], caller: Caller, max_group_rows: int,
                      check_rows: PointsCheck | None = None,
                      check_stored: PointsCheck | None = None) -> tuple[list[int], str]:
        """POST: insert every point or none; returns (ids, upload_id).  In
        SkyPortal's order: DuplicatePoints if any point is already stored or
        repeated, ``check_rows(points)``, TooManyGroupRows (the ids used up)
        when the points x groups rows would be more than ``max_group_rows``,
        ``check_stored(points)``; the checks may raise."""
        upload_id = str(uuid.uuid4())
        created_at = utcnow_iso()
        with self.lock:
            ids = self.next_photometry_ids(len(points))
            with self.transaction() as db:
                stored = [dedup_key(point) for point in points
                          if self._existing_id(db, dedup_key(point)) is not None]
                if stored:
                    raise DuplicatePoints(stored)
                if len(set(map(dedup_key, points))) != len(points):
                    raise DuplicatePoints([])
                if check_rows:
                    check_rows(points)
                if len(points) * len(group_ids) > max_group_rows:
                    raise TooManyGroupRows([(group_id, point_id) for point_id in ids for group_id in group_ids])
                if check_stored:
                    check_stored(points)
                for point_id, point in zip(ids, points):
                    self._insert_point(db, point_id, point, upload_id, caller.user_id, created_at)
                    self._add_groups(db, point_id, group_ids)
        return ids, upload_id

    def upsert_points(self, points: list[dict[str, Any]], group_ids: list[int], caller: Caller, max_group_rows: int,
                      check_new_points: PointsCheck, check_rows: PointsCheck | None = None,
                      check_stored: PointsCheck | None = None) -> list[int]:
        """PUT: the existing id for each duplicate (gaining ``group_ids``), a
        new row otherwise; ids in payload order.  In SkyPortal's order, all
        or nothing: TooManyGroupRows for the groups added to duplicates, then
        ``check_new_points(new points)``, RepeatedPoints when new points
        repeat each other, ``check_rows(new points)``, TooManyGroupRows (ids
        used up) for the new points' groups, ``check_stored(new points)``."""
        upload_id = str(uuid.uuid4())
        created_at = utcnow_iso()
        with self.lock:
            with self.transaction() as db:
                existing_ids = [self._existing_id(db, dedup_key(point)) for point in points]
                added: list[tuple[int, int]] = []
                for point_id in existing_ids:
                    if point_id is not None:
                        held = {row["group_id"] for row in db.execute(
                            "SELECT group_id FROM photometry_groups WHERE photometry_id = ?", (point_id,))}
                        added += [(group_id, point_id) for group_id in group_ids if group_id not in held]
            if len(added) > max_group_rows:
                raise TooManyGroupRows(added, for_duplicates=True)
            new_points = [point for point, point_id in zip(points, existing_ids) if point_id is None]
            check_new_points(new_points)
            if len(set(map(dedup_key, new_points))) != len(new_points):
                raise RepeatedPoints(new_points)
            if new_points and check_rows:
                check_rows(new_points)
            new_ids = self.next_photometry_ids(len(new_points)) if new_points else []
            if len(new_ids) * len(group_ids) > max_group_rows:
                raise TooManyGroupRows([(group_id, point_id) for point_id in new_ids for group_id in group_ids])
            if new_points and check_stored:
                check_stored(new_points)
            new_id_iterator = iter(new_ids)
            ids: list[int] = []
            with self.transaction() as db:
                for point, existing_id in zip(points, existing_ids):
                    point_id = existing_id
                    if point_id is None:
                        point_id = next(new_id_iterator)
                        self._insert_point(db, point_id, point, upload_id, caller.user_id, created_at)
                    self._add_groups(db, point_id, group_ids)
                    ids.append(point_id)
        return ids

    def _groups_of(self, point_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        groups: dict[int, list[dict[str, Any]]] = {point_id: [] for point_id in point_ids}
        for chunk_start in range(0, len(point_ids), 500):
            chunk = point_ids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT photometry_groups.photometry_id, groups.id, groups.name, groups.nickname, "
                "groups.single_user_group FROM photometry_groups "
                "JOIN groups ON groups.id = photometry_groups.group_id "
                f"WHERE photometry_groups.photometry_id IN ({marks}) ORDER BY groups.id", tuple(chunk))
            for row in rows:
                groups[row["photometry_id"]].append({
                    "id": row["id"], "name": row["name"], "nickname": row["nickname"],
                    "single_user_group": bool(row["single_user_group"]),
                })
        return groups

    def readable_points(self, caller: Caller, where: str = "1", params: Sequence[object] = (),
                        only_group_shared: bool = False) -> list[dict[str, Any]]:
        """Points matching ``where`` that the caller may read (members of one
        of their groups, or their own unless ``only_group_shared``), each with
        ``instrument_name`` and ``groups``."""
        sql = ("SELECT photometry.*, instruments.name AS instrument_name FROM photometry "
               f"JOIN instruments ON instruments.id = photometry.instrument_id WHERE ({where})")
        if not caller.is_admin:
            visibility = ("photometry.id IN (SELECT photometry_id FROM photometry_groups "
                          "JOIN group_users USING (group_id) WHERE group_users.user_id = ?)")
            params = (*params, caller.user_id)
            if not only_group_shared:
                visibility += " OR photometry.owner_id = ?"
                params = (*params, caller.user_id)
            sql += f" AND ({visibility})"
        sql += " ORDER BY photometry.mjd, photometry.id"
        with self.lock:
            points = [_point_from_row(row) for row in self._query(sql, params)]
            groups = self._groups_of([point["id"] for point in points])
        for point in points:
            point["groups"] = groups[point["id"]]
        return points

    def obj_readable(self, caller: Caller, obj_id: str) -> bool:
        """An object is readable when saved to one of the caller's groups or
        when the caller can read some of its photometry (any object for an admin)."""
        if caller.is_admin:
            return self.obj_exists(obj_id)
        if self.has_source_row(obj_id, caller):
            return True
        return bool(self.readable_points(caller, "obj_id = ?", (obj_id,)))

    def update_point(self, point_id: int, point: Mapping[str, Any], group_ids: Iterable[int] | None) -> None:
        """Replace a point's values (and its groups when ``group_ids`` is not
        None).  Raises sqlite3.IntegrityError on a deduplication collision."""
        assignments = ", ".join(f"{column} = ?" for column in POINT_COLUMNS)
        with self.transaction() as db:
            db.execute(f"UPDATE photometry SET {assignments} WHERE id = ?",
                       (*self._point_values(point), point_id))
            if group_ids is not None:
                db.execute("DELETE FROM photometry_groups WHERE photometry_id = ?", (point_id,))
                self._add_groups(db, point_id, group_ids)

    def delete_points(self, point_ids: Iterable[int]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM photometry WHERE id = ?", [(point_id,) for point_id in point_ids])

    def upload_point_ids(self, upload_id: str, caller: Caller) -> list[int]:
        """Ids of the points of an upload that the caller may delete."""
        sql = "SELECT id FROM photometry WHERE upload_id = ?"
        params: tuple[object, ...] = (upload_id,)
        if not caller.is_admin:
            sql += " AND owner_id = ?"
            params += (caller.user_id,)
        return [row["id"] for row in self._query(sql, params)]

    def count_points(self) -> int:
        return self._query("SELECT COUNT(*) AS n FROM photometry")[0]["n"]
