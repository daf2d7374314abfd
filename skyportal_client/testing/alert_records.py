"""The tables an alert broker writes, in the embedded server's database.

Streams and who may read them, filters, candidates, annotations,
thumbnails, comments, taxonomies and classifications, and the stream links
of photometry points.  ``AlertRecords`` is a part of ``storage.Store``: it
uses the store's connection and lock.  The unique constraints are
SkyPortal's (``streams_name_key``, ``candidates_main_index``,
``annotations_obj_id_origin_key``); the handlers turn their violations
into SkyPortal's answers.
"""

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from .accounts import Caller
from .clock import utcnow_iso
from .database import Database

ALERT_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    altdata TEXT,
    auto_join INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stream_users (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (stream_id, user_id)
);
CREATE TABLE IF NOT EXISTS group_streams (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, stream_id)
);
CREATE TABLE IF NOT EXISTS filters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    stream_id INTEGER NOT NULL REFERENCES streams(id),
    group_id INTEGER NOT NULL REFERENCES groups(id),
    altdata TEXT,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS candidates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    obj_id TEXT NOT NULL REFERENCES objs(id) ON DELETE CASCADE,
    filter_id INTEGER NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    passed_at TEXT NOT NULL,
    passing_alert_id INTEGER,
    uploader_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL,
    UNIQUE (obj_id, filter_id, passed_at)
);
CREATE TABLE IF NOT EXISTS annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    obj_id TEXT NOT NULL REFERENCES objs(id),
    origin TEXT NOT NULL,
    data TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL,
    UNIQUE (obj_id, origin)
);
CREATE TABLE IF NOT EXISTS thumbnails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    obj_id TEXT NOT NULL REFERENCES objs(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    file_uri TEXT,
    public_url TEXT,
    origin TEXT,
    survey TEXT,
    is_grayscale INTEGER,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
-- The file every thumbnail row of (object, type) points at: a later post overwrites it.
CREATE TABLE IF NOT EXISTS thumbnail_files (
    public_url TEXT PRIMARY KEY,
    png BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    obj_id TEXT NOT NULL REFERENCES objs(id),
    text TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users(id),
    bot INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS taxonomies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    hierarchy TEXT NOT NULL,
    provenance TEXT,
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS classifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    obj_id TEXT NOT NULL REFERENCES objs(id),
    classification TEXT NOT NULL,
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomies(id),
    probability REAL,
    author_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    modified TEXT NOT NULL
);
-- Which groups see an annotation, comment, taxonomy or classification.
CREATE TABLE IF NOT EXISTS shared_with (
    kind TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (kind, row_id, group_id)
);
CREATE TABLE IF NOT EXISTS photometry_streams (
    photometry_id INTEGER NOT NULL REFERENCES photometry(id) ON DELETE CASCADE,
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    PRIMARY KEY (photometry_id, stream_id)
);
"""

# Tables whose rows ``shared_with`` points at, by the kind it names them with.
SHARED_KINDS = {"annotation": "annotations", "comment": "comments", "taxonomy": "taxonomies",
                "classification": "classifications"}
# What keeps an object from being deleted, in the order SkyPortal's ObjHandler.delete checks.
OBJ_DEPENDENTS = (("annotations", "annotations"), ("photometry", "photometry"), ("comments", "comments"),
                  ("classifications", "classifications"))


def _stream_from_row(row: sqlite3.Row) -> dict[str, Any]:
    stream = dict(row)
    stream["altdata"] = json.loads(stream["altdata"]) if stream["altdata"] is not None else None
    stream["auto_join"] = bool(stream["auto_join"])
    return stream


def _marks(values: Collection[object]) -> str:
    return ",".join("?" * len(values))


class AlertRecords(Database):
    # -- streams ------------------------------------------------------------------

    def create_stream(self, name: str, altdata: object) -> int | None:
        """A new stream; None when the name is taken."""
        now = utcnow_iso()
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM streams WHERE name = ?", (name,)).fetchone():
                return None
            return cast(int, db.execute(
                "INSERT INTO streams (name, altdata, created_at, modified) VALUES (?, ?, ?, ?)",
                (name, None if altdata is None else json.dumps(altdata), now, now)).lastrowid)

    def streams(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        return [_stream_from_row(row) for row in self._query(f"SELECT * FROM streams WHERE {where} ORDER BY id",
                                                             params)]

    def readable_stream_ids(self, caller: Caller) -> set[int]:
        """SkyPortal's stream_read_access_logic: every stream for a system
        admin, else the caller's stream_users links and auto-join streams."""
        if caller.is_admin:
            return {row["id"] for row in self._query("SELECT id FROM streams")}
        rows = self._query("SELECT id FROM streams WHERE auto_join = 1 OR id IN "
                           "(SELECT stream_id FROM stream_users WHERE user_id = ?)", (caller.user_id,))
        return {row["id"] for row in rows}

    def stream_user_ids(self, stream_id: int) -> set[int]:
        rows = self._query("SELECT user_id FROM stream_users WHERE stream_id = ?", (stream_id,))
        return {row["user_id"] for row in rows}

    def link_stream_user(self, stream_id: int, user_id: int) -> bool:
        """Give a user the stream; False when it has it already."""
        with self.transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO stream_users (stream_id, user_id) VALUES (?, ?)",
                                (stream_id, user_id))
        return cursor.rowcount == 1

    def unlink_stream_user(self, stream_id: int, user_id: int) -> bool:
        with self.transaction() as db:
            cursor = db.execute("DELETE FROM stream_users WHERE stream_id = ? AND user_id = ?", (stream_id, user_id))
        return cursor.rowcount == 1

    def group_stream_ids(self, group_id: int) -> list[int]:
        rows = self._query("SELECT stream_id FROM group_streams WHERE group_id = ? ORDER BY stream_id", (group_id,))
        return [row["stream_id"] for row in rows]

    def link_group_stream(self, group_id: int, stream_id: int) -> bool:
        """Give a group the stream; False when it has it already."""
        with self.transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO group_streams (group_id, stream_id) VALUES (?, ?)",
                                (group_id, stream_id))
        return cursor.rowcount == 1

    def unlink_group_stream(self, group_id: int, stream_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM group_streams WHERE group_id = ? AND stream_id = ?", (group_id, stream_id))

    def delete_stream(self, stream_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM streams WHERE id = ?", (stream_id,))

    # -- filters ------------------------------------------------------------------

    def insert_filter(self, name: str, stream_id: int, group_id: int, altdata: object, keep: bool = True) -> int:
        """A new filter's id.  With ``keep`` False the row is taken out again
        at once, its id used up, as PostgreSQL's sequence uses it up when the
        access check after the flush refuses the row."""
        now = utcnow_iso()
        with self.transaction() as db:
            filter_id = cast(int, db.execute(
                "INSERT INTO filters (name, stream_id, group_id, altdata, created_at, modified) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, stream_id, group_id, None if altdata is None else json.dumps(altdata), now, now)).lastrowid)
            if not keep:
                db.execute("DELETE FROM filters WHERE id = ?", (filter_id,))
        return filter_id

    def filters(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        rows = self._query(f"SELECT * FROM filters WHERE {where} ORDER BY id", params)
        result = []
        for row in rows:
            found = dict(row)
            found["altdata"] = json.loads(found["altdata"]) if found["altdata"] is not None else None
            result.append(found)
        return result

    def delete_filter(self, filter_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM filters WHERE id = ?", (filter_id,))

    # -- candidates ---------------------------------------------------------------

    def candidate_ids(self, db: sqlite3.Connection, obj_id: str, filter_ids: Iterable[int], passed_at: str,
                      passing_alert_id: int | None, uploader_id: int) -> list[int]:
        """Inside ``db``'s transaction: one candidate per filter, the
        existing row's id for a triple already stored."""
        now = utcnow_iso()
        ids = []
        for filter_id in filter_ids:
            row = db.execute("SELECT id FROM candidates WHERE obj_id = ? AND filter_id = ? AND passed_at = ?",
                             (obj_id, filter_id, passed_at)).fetchone()
            if row is None:
                ids.append(cast(int, db.execute(
                    "INSERT INTO candidates (obj_id, filter_id, passed_at, passing_alert_id, uploader_id, "
                    "created_at, modified) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (obj_id, filter_id, passed_at, passing_alert_id, uploader_id, now, now)).lastrowid))
            else:
                ids.append(row["id"])
        return ids

    def candidates(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._query(f"SELECT * FROM candidates WHERE {where} ORDER BY id", params)]

    def delete_candidates(self, candidate_ids: Collection[int]) -> None:
        with self.transaction() as db:
            db.execute(f"DELETE FROM candidates WHERE id IN ({_marks(candidate_ids)})", tuple(candidate_ids))

    # -- rows shared with groups ----------------------------------------------------

    @staticmethod
    def share(db: sqlite3.Connection, kind: str, row_id: int, group_ids: Iterable[int]) -> None:
        db.executemany("INSERT OR IGNORE INTO shared_with (kind, row_id, group_id) VALUES (?, ?, ?)",
                       [(kind, row_id, group_id) for group_id in group_ids])

    def shared_group_ids(self, kind: str, row_id: int) -> list[int]:
        rows = self._query("SELECT group_id FROM shared_with WHERE kind = ? AND row_id = ? ORDER BY group_id",
                           (kind, row_id))
        return [row["group_id"] for row in rows]

    def insert_shared(self, kind: str, values: Mapping[str, Any], group_ids: Iterable[int]) -> int:
        """Insert a row into ``kind``'s table and share it with ``group_ids``;
        raises sqlite3.IntegrityError on a unique or foreign key violation."""
        now = utcnow_iso()
        columns = {**values, "created_at": now, "modified": now}
        with self.transaction() as db:
            row_id = cast(int, db.execute(
                f"INSERT INTO {SHARED_KINDS[kind]} ({', '.join(columns)}) VALUES ({_marks(columns)})",
                tuple(columns.values())).lastrowid)
            self.share(db, kind, row_id, group_ids)
        return row_id

    def shared_rows(self, kind: str, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        rows = self._query(f"SELECT * FROM {SHARED_KINDS[kind]} WHERE {where} ORDER BY id", params)
        return [dict(row) for row in rows]

    def update_shared(self, kind: str, row_id: int, values: Mapping[str, Any],
                      group_ids: Iterable[int] | None) -> None:
        """Set columns of a row (and replace its groups unless ``group_ids`` is None)."""
        columns = {**values, "modified": utcnow_iso()}
        with self.transaction() as db:
            db.execute(f"UPDATE {SHARED_KINDS[kind]} SET {', '.join(f'{key} = ?' for key in columns)} WHERE id = ?",
                       (*columns.values(), row_id))
            if group_ids is not None:
                db.execute("DELETE FROM shared_with WHERE kind = ? AND row_id = ?", (kind, row_id))
                self.share(db, kind, row_id, group_ids)

    def delete_shared(self, kind: str, row_id: int) -> None:
        with self.transaction() as db:
            db.execute(f"DELETE FROM {SHARED_KINDS[kind]} WHERE id = ?", (row_id,))
            db.execute("DELETE FROM shared_with WHERE kind = ? AND row_id = ?", (kind, row_id))

    # -- thumbnails -----------------------------------------------------------------

    def insert_thumbnail(self, values: Mapping[str, Any], png: bytes) -> int:
        """A new thumbnail row; its file (shared by every row of the same
        public_url) now holds ``png``."""
        now = utcnow_iso()
        columns = {**values, "created_at": now, "modified": now}
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO thumbnail_files (public_url, png) VALUES (?, ?)",
                       (values["public_url"], png))
            return cast(int, db.execute(
                f"INSERT INTO thumbnails ({', '.join(columns)}) VALUES ({_marks(columns)})",
                tuple(columns.values())).lastrowid)

    def thumbnails(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        rows = self._query(f"SELECT * FROM thumbnails WHERE {where} ORDER BY id", params)
        return [dict(row, is_grayscale=None if row["is_grayscale"] is None else bool(row["is_grayscale"]))
                for row in rows]

    def thumbnail_file(self, public_url: str) -> bytes | None:
        row = self._query_one("SELECT png FROM thumbnail_files WHERE public_url = ?", (public_url,))
        return None if row is None else bytes(row["png"])

    def delete_thumbnail(self, thumbnail_id: int) -> None:
        """The row and its file, which other rows of the same type may still name."""
        with self.transaction() as db:
            row = db.execute("SELECT public_url FROM thumbnails WHERE id = ?", (thumbnail_id,)).fetchone()
            db.execute("DELETE FROM thumbnails WHERE id = ?", (thumbnail_id,))
            if row is not None:
                db.execute("DELETE FROM thumbnail_files WHERE public_url = ?", (row["public_url"],))

    # -- photometry streams ---------------------------------------------------------

    def add_photometry_streams(self, point_ids: Iterable[int], stream_ids: Collection[int]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO photometry_streams (photometry_id, stream_id) VALUES (?, ?)",
                           [(point_id, stream_id) for point_id in point_ids for stream_id in stream_ids])

    def photometry_streams(self, point_id: int) -> list[dict[str, Any]]:
        rows = self._query("SELECT streams.id, streams.name FROM photometry_streams JOIN streams "
                           "ON streams.id = photometry_streams.stream_id WHERE photometry_id = ? ORDER BY streams.id",
                           (point_id,))
        return [dict(row) for row in rows]

    # -- objects ----------------------------------------------------------------------

    def obj_dependents(self, obj_id: str) -> list[str]:
        """What keeps the object from being deleted (in SkyPortal's order)."""
        return [label for table, label in OBJ_DEPENDENTS
                if self._query_one(f"SELECT 1 FROM {table} WHERE obj_id = ?", (obj_id,))]

    def delete_obj(self, obj_id: str) -> None:
        """The object with its candidates, thumbnails and source rows."""
        with self.transaction() as db:
            db.execute("DELETE FROM candidates WHERE obj_id = ?", (obj_id,))
            db.execute("DELETE FROM thumbnails WHERE obj_id = ?", (obj_id,))
            db.execute("DELETE FROM sources WHERE obj_id = ?", (obj_id,))
            db.execute("DELETE FROM objs WHERE id = ?", (obj_id,))
