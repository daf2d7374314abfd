"""Telescopes, instruments, objects and sources in the embedded server's database.

``CatalogRecords`` is a part of ``storage.Store``: it uses the store's
connection and lock.  A "source" is SkyPortal's: an object saved to a group;
unsaving it keeps the row, marked inactive.
"""

import json
import sqlite3
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from . import sky
from .accounts import Caller, group_from_row
from .clock import utcnow_iso
from .database import Database


class NameTaken(Exception):
    """A telescope or instrument name that is already stored (unique column)."""


def _telescope_from_row(row: sqlite3.Row) -> dict[str, Any]:
    telescope = dict(row)
    telescope["robotic"] = bool(telescope["robotic"])
    telescope["fixed_location"] = bool(telescope["fixed_location"])
    return telescope


def _instrument_from_row(row: sqlite3.Row) -> dict[str, Any]:
    instrument = dict(row)
    instrument["filters"] = json.loads(instrument["filters"])
    instrument["properties"] = json.loads(instrument["properties"])
    return instrument


def _obj_from_row(row: sqlite3.Row) -> dict[str, Any]:
    obj = dict(row)
    obj["properties"] = json.loads(obj["properties"])
    return obj


class CatalogRecords(Database):
    # -- telescopes and instruments ---------------------------------------------

    def create_telescope(self, fields: Mapping[str, Any]) -> int:
        """Insert a telescope; raises NameTaken for a stored name."""
        now = utcnow_iso()
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM telescopes WHERE name = ?", (fields["name"],)).fetchone():
                raise NameTaken(fields["name"])
            return cast(int, db.execute(  # an INSERT's lastrowid is never None
                "INSERT INTO telescopes (name, nickname, lat, lon, elevation, diameter, skycam_link, "
                "weather_link, robotic, fixed_location, created_at, modified) VALUES (:name, :nickname, "
                ":lat, :lon, :elevation, :diameter, :skycam_link, :weather_link, :robotic, "
                ":fixed_location, :created_at, :modified)",
                {**fields, "created_at": now, "modified": now}).lastrowid)

    def telescopes(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        rows = self._query(f"SELECT * FROM telescopes WHERE {where} ORDER BY id", params)
        return [_telescope_from_row(row) for row in rows]

    def create_instrument(self, fields: Mapping[str, Any]) -> int:
        """Insert an instrument; raises NameTaken for a stored name."""
        now = utcnow_iso()
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM instruments WHERE name = ?", (fields["name"],)).fetchone():
                raise NameTaken(fields["name"])
            return cast(int, db.execute(  # an INSERT's lastrowid is never None
                "INSERT INTO instruments (name, type, band, telescope_id, filters, properties, created_at, "
                "modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (fields["name"], fields["type"], fields["band"], fields["telescope_id"],
                 json.dumps(fields["filters"]), json.dumps(fields["properties"]), now, now)).lastrowid)

    def instruments(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        rows = self._query(f"SELECT * FROM instruments WHERE {where} ORDER BY id", params)
        return [_instrument_from_row(row) for row in rows]

    def get_instrument(self, instrument_id: object) -> dict[str, Any] | None:
        found = self.instruments("id = ?", (instrument_id,))
        return found[0] if found else None

    # -- objects and sources ------------------------------------------------------

    def get_obj(self, obj_id: str) -> dict[str, Any] | None:
        row = self._query_one("SELECT * FROM objs WHERE id = ?", (obj_id,))
        return None if row is None else _obj_from_row(row)

    def stored_obj(self, obj_id: str) -> dict[str, Any]:
        """An object that a stored source names (so it exists)."""
        return _obj_from_row(self._query("SELECT * FROM objs WHERE id = ?", (obj_id,))[0])

    def obj_exists(self, obj_id: object) -> bool:
        return self._query_one("SELECT 1 FROM objs WHERE id = ?", (obj_id,)) is not None

    def save_source(self, obj_id: str, ra: float | None, dec: float | None, properties: Mapping[str, Any],
                    group_ids: Iterable[int], saver_id: int) -> None:
        """Create the object if it is new (its other columns from
        ``properties``), point its HEALPix index at (ra, dec) when both are
        given, and save it to ``group_ids`` (re-activating unsaved rows)."""
        now = utcnow_iso()
        with self.transaction() as db:
            self.insert_obj(db, obj_id, ra, dec, properties)
            for group_id in group_ids:
                row = db.execute("SELECT active FROM sources WHERE obj_id = ? AND group_id = ?",
                                 (obj_id, group_id)).fetchone()
                if row is None:
                    db.execute("INSERT INTO sources (obj_id, group_id, saved_by_id, saved_at) VALUES (?, ?, ?, ?)",
                               (obj_id, group_id, saver_id, now))
                elif not row["active"]:
                    db.execute("UPDATE sources SET active = 1, saved_by_id = ? WHERE obj_id = ? AND group_id = ?",
                               (saver_id, obj_id, group_id))

    @staticmethod
    def insert_obj(db: sqlite3.Connection, obj_id: str, ra: float | None, dec: float | None,
                   properties: Mapping[str, Any]) -> None:
        """Inside ``db``'s transaction: create the object if it is new (its
        other columns from ``properties``) and point its HEALPix index at
        (ra, dec) when both are given."""
        now = utcnow_iso()
        if db.execute("SELECT 1 FROM objs WHERE id = ?", (obj_id,)).fetchone() is None:
            db.execute(
                "INSERT INTO objs (id, ra, dec, internal_key, properties, created_at, modified) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (obj_id, ra, dec, str(uuid.uuid4()), json.dumps(properties), now, now))
        if ra is not None and dec is not None:
            db.execute("UPDATE objs SET healpix = ?, modified = ? WHERE id = ?",
                       (sky.healpix_index(ra, dec), now, obj_id))

    def unsave_source(self, obj_id: str, group_id: int, caller: Caller) -> bool:
        """Mark the source inactive; False when there is no such source."""
        with self.transaction() as db:
            cursor = db.execute("UPDATE sources SET active = 0, unsaved_by_id = ? WHERE obj_id = ? AND group_id = ?",
                                (caller.user_id, obj_id, group_id))
        return cursor.rowcount == 1

    def has_source_row(self, obj_id: str, caller: Caller) -> bool:
        """Whether any source row (active or not) of the object is in one of
        the caller's groups (any group for an admin), as SkyPortal's HEAD checks."""
        sql = "SELECT 1 FROM sources WHERE obj_id = ?"
        params: tuple[object, ...] = (obj_id,)
        if not caller.is_admin:
            sql += " AND group_id IN (SELECT group_id FROM group_users WHERE user_id = ?)"
            params += (caller.user_id,)
        return self._query_one(sql, params) is not None

    def active_sources(self, obj_id: str, group_ids: Collection[int]) -> list[dict[str, Any]]:
        """The object's active source rows in ``group_ids``: group dicts with
        the row's active, requested, saved_at and saved_by_id, by group id."""
        marks = ",".join("?" * len(group_ids))
        rows = self._query(
            "SELECT groups.*, sources.active, sources.requested, sources.saved_at, sources.saved_by_id "
            f"FROM sources JOIN groups ON groups.id = sources.group_id WHERE sources.obj_id = ? "
            f"AND sources.active = 1 AND sources.group_id IN ({marks}) ORDER BY groups.id",
            (obj_id, *group_ids))
        groups = []
        for row in rows:
            group = group_from_row(row)
            group["active"], group["requested"] = bool(group["active"]), bool(group["requested"])
            groups.append(group)
        return groups

    def source_obj_ids(self, group_ids: Collection[int]) -> list[str]:
        """Ids of objects with an active source in ``group_ids``, the most
        recently saved first."""
        marks = ",".join("?" * len(group_ids))
        rows = self._query(
            "SELECT obj_id AS id, MAX(saved_at) AS last_saved FROM sources WHERE active = 1 "
            f"AND group_id IN ({marks}) GROUP BY obj_id ORDER BY last_saved DESC, obj_id", tuple(group_ids))
        return [row["id"] for row in rows]

    def objs_with_sources_near(self, ra: float, dec: float, radius: float,
                               group_ids: Collection[int]) -> list[tuple[str, float, float]]:
        """Ids of objects within ``radius`` degrees of (ra, dec) that have a
        source row (active or not) in ``group_ids``."""
        marks = ",".join("?" * len(group_ids))
        rows = self._query(
            "SELECT DISTINCT objs.id, objs.ra, objs.dec FROM objs JOIN sources ON sources.obj_id = objs.id "
            f"WHERE sources.group_id IN ({marks}) AND objs.ra IS NOT NULL AND objs.dec IS NOT NULL",
            tuple(group_ids))
        return [(row["id"], row["ra"], row["dec"]) for row in rows
                if sky.separation(ra, dec, row["ra"], row["dec"]) <= radius]

    # -- saving through /api/source_groups ---------------------------------------

    def source_row(self, obj_id: str, group_id: object) -> dict[str, Any] | None:
        row = self._query_one("SELECT * FROM sources WHERE obj_id = ? AND group_id = ?", (obj_id, group_id))
        return None if row is None else dict(row)

    def save_to_group(self, obj_id: str, group_id: int, saver_id: int, requested: bool) -> None:
        """Save (or, with ``requested``, ask to save) the object to a group,
        re-activating an inactive row."""
        now = utcnow_iso()
        active, asked = (0, 1) if requested else (1, 0)
        with self.transaction() as db:
            db.execute("INSERT INTO sources (obj_id, group_id, saved_by_id, saved_at, active, requested) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (obj_id, group_id) DO UPDATE SET "
                       "active = excluded.active, requested = excluded.requested, saved_by_id = excluded.saved_by_id",
                       (obj_id, group_id, saver_id, now, active, asked))

    def saved_or_requested_groups(self, obj_id: str, group_ids: Collection[int]) -> list[dict[str, Any]]:
        """Groups among ``group_ids`` with an active or requested save of the object."""
        marks = ",".join("?" * len(group_ids))
        rows = self._query(
            "SELECT groups.* FROM sources JOIN groups ON groups.id = sources.group_id WHERE sources.obj_id = ? "
            f"AND (sources.active = 1 OR sources.requested = 1) AND sources.group_id IN ({marks}) ORDER BY groups.id",
            (obj_id, *group_ids))
        return [group_from_row(row) for row in rows]
