"""Users, tokens and groups in the embedded server's database.

Every user has a single-user group and belongs to the public "Sitewide
Group", as on a SkyPortal with the default configuration.  ``AccountRecords``
is a part of ``storage.Store``: it uses the store's connection and lock.
"""

import json
import sqlite3
import uuid
from collections.abc import Collection, Iterable, Sequence
from typing import Any, cast

from .clock import utcnow_iso
from .database import Database

PUBLIC_GROUP_NAME = "Sitewide Group"
ADMIN_USERNAME = "provisioned-admin"
ADMIN_ACLS = ("System admin", "Upload data", "Delete bulk photometry", "Manage photometry")


class Caller:
    """The token a request authenticated with, and its user."""

    def __init__(self, token: str, user_id: int, username: str, acls: list[str], single_user_group_id: int) -> None:
        self.token = token
        self.user_id = user_id
        self.username = username
        self.acls = acls
        self.single_user_group_id = single_user_group_id

    @property
    def is_admin(self) -> bool:
        return "System admin" in self.acls

    def may(self, acl: str) -> bool:
        return self.is_admin or acl in self.acls


def group_from_row(row: sqlite3.Row) -> dict[str, Any]:
    """A groups row as a dict with SkyPortal's booleans."""
    group = dict(row)
    for key in ("private", "auto_accept_requests", "single_user_group"):
        group[key] = bool(group[key])
    return group


class AccountRecords(Database):
    def ensure_admin_token(self) -> str:
        """The super-admin token, creating the site's first user on a new DB."""
        row = self._query_one(
            "SELECT tokens.id FROM tokens JOIN users ON users.id = tokens.user_id "
            "WHERE users.username = ? ORDER BY tokens.rowid LIMIT 1", (ADMIN_USERNAME,))
        if row:
            return row["id"]
        with self.transaction() as db:
            self._insert_group(db, PUBLIC_GROUP_NAME, None, single_user=False)
        return self.create_user_token(ADMIN_USERNAME, ADMIN_ACLS)

    @staticmethod
    def _insert_group(db: sqlite3.Connection, name: str, nickname: str | None, single_user: bool,
                      description: str | None = None, auto_accept_requests: object = False) -> int:
        now = utcnow_iso()
        return cast(int, db.execute(  # an INSERT's lastrowid is never None
            "INSERT INTO groups (name, nickname, description, auto_accept_requests, single_user_group, "
            "created_at, modified) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, nickname, description, int(bool(auto_accept_requests)), int(single_user), now, now)).lastrowid)

    def create_user_token(self, username: str, acls: Iterable[str]) -> str:
        """A new user (own single-user group, member of the public group) and a
        token for it carrying ``acls``."""
        user_id = self.create_user(username)
        if user_id is None:
            raise ValueError(f"The username {username} is taken: choose another one")
        return self.create_token(user_id, acls)

    def find_caller(self, token: str) -> Caller | None:
        row = self._query_one(
            "SELECT tokens.id AS token, tokens.acls, users.id AS user_id, users.username, "
            "users.single_user_group_id FROM tokens JOIN users ON users.id = tokens.user_id "
            "WHERE tokens.id = ?", (token,))
        if row is None:
            return None
        return Caller(row["token"], row["user_id"], row["username"], json.loads(row["acls"]),
                      row["single_user_group_id"])

    def get_user(self, user_id: int) -> dict[str, Any]:
        """The users row of a user that a stored row names (so it exists)."""
        return dict(self._query("SELECT * FROM users WHERE id = ?", (user_id,))[0])

    def public_group_id(self) -> int:
        return self._query("SELECT id FROM groups WHERE name = ?", (PUBLIC_GROUP_NAME,))[0]["id"]

    def existing_user_ids(self, user_ids: Collection[int]) -> set[int]:
        marks = ",".join("?" * len(user_ids))
        return {row["id"] for row in self._query(f"SELECT id FROM users WHERE id IN ({marks})", tuple(user_ids))}

    def create_group(self, name: str, nickname: str | None, description: str | None, auto_accept_requests: object,
                     admin_ids: Iterable[int]) -> int | None:
        """A new group whose members (and admins) are ``admin_ids``; None if the name is taken."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone():
                return None
            group_id = self._insert_group(db, name, nickname, single_user=False, description=description,
                                          auto_accept_requests=auto_accept_requests)
            db.executemany("INSERT INTO group_users (group_id, user_id, admin) VALUES (?, ?, 1)",
                           [(group_id, user_id) for user_id in admin_ids])
        return group_id

    def group_members(self, group_id: int) -> list[tuple[dict[str, Any], bool]]:
        """(users row, admin flag) of each member of a group, by user id."""
        rows = self._query("SELECT users.*, group_users.admin AS group_admin, group_users.rowid AS membership_id "
                           "FROM group_users JOIN users "
                           "ON users.id = group_users.user_id WHERE group_users.group_id = ? ORDER BY users.id",
                           (group_id,))
        return [(dict(row), bool(row["group_admin"])) for row in rows]

    def existing_group_ids(self, group_ids: Collection[int]) -> set[int]:
        marks = ",".join("?" * len(group_ids))
        rows = self._query(f"SELECT id FROM groups WHERE id IN ({marks})", tuple(group_ids))
        return {row["id"] for row in rows}

    def member_group_ids(self, caller: Caller) -> set[int]:
        rows = self._query("SELECT group_id FROM group_users WHERE user_id = ?", (caller.user_id,))
        return {row["group_id"] for row in rows}

    def accessible_group_ids(self, caller: Caller) -> set[int]:
        """Every group for a system admin, else the caller's memberships."""
        if caller.is_admin:
            return {row["id"] for row in self._query("SELECT id FROM groups")}
        return self.member_group_ids(caller)

    def groups(self, where: str = "1", params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """Group dicts matching ``where``, by id."""
        return [group_from_row(row) for row in self._query(f"SELECT * FROM groups WHERE {where} ORDER BY id",
                                                           params)]

    def member_groups(self, caller: Caller) -> list[dict[str, Any]]:
        return self.groups("id IN (SELECT group_id FROM group_users WHERE user_id = ?)", (caller.user_id,))

    # -- users, tokens and memberships made through the API ------------------------

    def create_user(self, username: str) -> int | None:
        """A new user (own single-user group, member of the public group)
        without a token; None when the username is taken."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                return None
            group_id = self._insert_group(db, username, None, single_user=True)
            now = utcnow_iso()
            user_id = cast(int, db.execute(
                "INSERT INTO users (username, single_user_group_id, created_at, modified) VALUES (?, ?, ?, ?)",
                (username, group_id, now, now)).lastrowid)
            db.executemany("INSERT INTO group_users (group_id, user_id) VALUES (?, ?)",
                           [(group_id, user_id), (self.public_group_id(), user_id)])
        return user_id

    def create_token(self, user_id: int, acls: Iterable[str]) -> str:
        token = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute("INSERT INTO tokens (id, user_id, acls) VALUES (?, ?, ?)",
                       (token, user_id, json.dumps(list(acls))))
        return token

    def delete_user(self, user_id: int) -> bool:
        """The user, its tokens, memberships and single-user group; False if unknown."""
        with self.transaction() as db:
            row = db.execute("SELECT single_user_group_id FROM users WHERE id = ?", (user_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM group_users WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM users WHERE id = ?", (user_id,))
            db.execute("DELETE FROM groups WHERE id = ?", (row["single_user_group_id"],))
        return True

    def add_group_user(self, group_id: int, user_id: int, admin: bool) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO group_users (group_id, user_id, admin) VALUES (?, ?, ?)",
                       (group_id, user_id, int(admin)))

    def delete_group(self, group_id: int) -> None:
        """The group and its memberships (its stream links cascade)."""
        with self.transaction() as db:
            db.execute("DELETE FROM group_users WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM groups WHERE id = ?", (group_id,))
