"""/api/groups: list, read by id or name, create.

Groups are readable by every user (SkyPortal's Group has public read).  A
group created with a token gets no member but the users named in
``group_admins``: SkyPortal adds the creator only for a browser session.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from . import envelope
from .base import Handler, permissions
from .envelope import ApiError
from .filters import filter_dict
from .storage import Store
from .streams import may_update_group, stream_dict

# Key orders of SkyPortal's answers: a group as a member sees it, and as listed.
MEMBER_GROUP_KEYS = ("name", "nickname", "description", "private", "auto_accept_requests", "single_user_group",
                     "id", "modified", "created_at")
LISTED_GROUP_KEYS = ("id", "nickname", "description", "modified", "private", "auto_accept_requests",
                     "created_at", "single_user_group", "name")
USER_KEYS = ("username", "first_name", "last_name", "bio", "affiliations", "contact_email", "contact_phone",
             "oauth_uid", "is_bot", "expiration_date", "id", "modified", "created_at")


def group_dict(group: Mapping[str, Any], keys: Sequence[str] = MEMBER_GROUP_KEYS,
               with_streams: bool = True, store: Store | None = None) -> dict[str, Any]:
    """A group in ``keys`` order; groups other than single-user ones carry
    their streams (read from ``store``) where SkyPortal has loaded that relationship."""
    result = {key: group[key] for key in keys}
    if with_streams and not group["single_user_group"]:
        result["streams"] = group_streams(store, group["id"]) if store is not None else []
    return result


def group_streams(store: Store, group_id: int) -> list[dict[str, Any]]:
    stream_ids = store.group_stream_ids(group_id)
    if not stream_ids:
        return []
    return [stream_dict(stream) for stream in store.streams(f"id IN ({','.join('?' * len(stream_ids))})",
                                                           stream_ids)]


def user_dict(user: Mapping[str, Any]) -> dict[str, Any]:
    """A user as SkyPortal's User.to_dict gives it (no names or contacts here)."""
    values = {"affiliations": [], "is_bot": False, **user}
    return {key: values.get(key) for key in USER_KEYS}


def _by_name(group: Mapping[str, Any]) -> str:
    return group["name"].lower()


class GroupHandler(Handler):
    def get(self, group_id: str | None = None) -> envelope.Response:
        if group_id is not None:
            return self._one(int(group_id))
        name = self.get_query_argument("name")
        if name is not None:
            return envelope.success([{key: group[key] for key in MEMBER_GROUP_KEYS}
                                     for group in self.store.groups("name = ?", (name,))])
        include_single_user = self.get_bool_argument("includeSingleUserGroups")
        everything = self.store.groups()
        members = sorted(self.store.member_groups(self.caller), key=_by_name)
        accessible = [group for group in everything if not group["single_user_group"]]
        if not self.caller.is_admin:
            member_ids = {group["id"] for group in members}
            accessible = [group for group in accessible if group["id"] in member_ids]
        listed = [group for group in everything if include_single_user or not group["single_user_group"]]
        return envelope.success({
            "user_groups": [group_dict(group, store=self.store) for group in members],
            "user_accessible_groups": [group_dict(group, LISTED_GROUP_KEYS, store=self.store)
                                       for group in sorted(accessible, key=_by_name)],
            "all_groups": [group_dict(group, LISTED_GROUP_KEYS, store=self.store)
                           for group in sorted(listed, key=_by_name)],
        })

    def _one(self, group_id: int) -> envelope.Response:
        found = self.store.groups("id = ?", (group_id,))
        if not found:
            raise ApiError(400, f"Cannot find Group with id {group_id}")
        group = {key: found[0][key] for key in MEMBER_GROUP_KEYS}
        group["streams"] = group_streams(self.store, group_id)
        group["filters"] = [filter_dict(found) for found in self.store.filters("group_id = ?", (group_id,))]
        members = self.store.group_members(group_id)
        group["group_users"] = [
            {"id": user["membership_id"], "created_at": group["created_at"], "can_save": True, "user_id": user["id"],
             "group_id": group_id, "modified": group["modified"], "admin": admin, "can_share_photometry": False,
             "user": user_dict(user)}
            for user, admin in members]
        if self.get_bool_argument("includeGroupUsers", default=True):
            group["users"] = [
                {"id": user["id"], "username": user["username"], "first_name": None, "last_name": None,
                 "contact_email": None, "contact_phone": None, "oauth_uid": None, "admin": admin,
                 "can_save": True, "can_share_photometry": False}
                for user, admin in members]
        return envelope.success(group)

    @permissions("Upload data")
    def post(self) -> envelope.Response:
        data = self.get_json()
        name = data.get("name")
        if name is None or (isinstance(name, str) and name.strip() == ""):
            raise ApiError(400, "Missing required parameter: `name`")
        if not isinstance(name, str):  # PostgreSQL refuses to store it in the text column
            raise ApiError(500, '(psycopg.errors.DatatypeMismatch) column "name" is of type character varying '
                                f"but expression is of type {type(name).__name__}")
        try:
            admin_ids = [int(user_id) for user_id in data.get("group_admins", [])]
        except ValueError:
            raise ApiError(400, "Invalid group_admins field; unable to parse all items to int") from None
        group_id = self.store.create_group(
            name, data.get("nickname") or None, data.get("description") or None,
            data.get("auto_accept_requests", False), sorted(self.store.existing_user_ids(admin_ids)))
        if group_id is None:
            raise ApiError(400, f"Group with name {name} already exists. Please select a new one.")
        return envelope.success({"id": group_id})

    @permissions("Upload data")
    def delete(self, group_id: str) -> envelope.Response:
        number = int(group_id)
        # SkyPortal's delete access joins group_users: a group without
        # members cannot be deleted, even by a system admin (403).
        members = self.store.group_members(number)
        allowed = bool(members) and (self.caller.is_admin or any(
            user["id"] == self.caller.user_id and admin for user, admin in members))
        if not allowed:
            raise ApiError(403, f"Cannot find Group with id {number}")
        self.store.delete_group(number)
        return envelope.success({})


class GroupUserHandler(Handler):
    # Read from SkyPortal's GroupUserHandler.post (revision 8bd346c0).
    @permissions("Upload data")
    def post(self, group_id: str, *ignored: str | None) -> envelope.Response:
        data = self.get_json()
        if data.get("userID") is None:
            raise ApiError(400, "userID parameter must be specified")
        try:
            user_id = int(data["userID"])
        except (TypeError, ValueError):
            raise ApiError(400, "Invalid userID parameter: unable to parse to integer") from None
        admin = data.get("admin", False)
        if not isinstance(admin, bool):
            raise ApiError(400, "Invalid (non-boolean) value provided for parameter `admin`")
        number = int(group_id)
        if not self.store.groups("id = ?", (number,)) or not may_update_group(self, number):
            raise ApiError(400, f"Group with ID {number} not accessible")
        if not self.store.existing_user_ids([user_id]):
            raise ApiError(400, f"User with ID {user_id} not accessible")
        for stream_id in self.store.group_stream_ids(number):
            if user_id not in self.store.stream_user_ids(stream_id):
                username = self.store.get_user(user_id)["username"]
                raise ApiError(403, f"User with ID {user_id} ({username}) does not have stream access with ID "
                                    f"{stream_id}. Please contact a super-admin to grant access.")
        if any(user["id"] == user_id for user, _ in self.store.group_members(number)):
            raise ApiError(400, f"User {user_id} is already a member of group {number}.")
        self.store.add_group_user(number, user_id, admin)
        return envelope.success({"group_id": number, "user_id": user_id, "admin": admin})
