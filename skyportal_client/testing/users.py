"""/api/user and /api/internal/tokens: the users and tokens a test makes.

Only what a test needs to act as an ordinary user: a system admin creates a
user by name, a token for it with the ACLs it names, and deletes the user.
Roles, invitations, user ACL routes and browser sessions are not emulated.
"""

from . import envelope
from .base import Handler, permissions
from .envelope import ApiError


class UserHandler(Handler):
    @permissions("System admin")
    def post(self, *ignored: str | None) -> envelope.Response:
        username = self.get_json().get("username")
        if not isinstance(username, str) or not username:
            raise ApiError(400, "Missing required parameter: username")
        user_id = self.store.create_user(username)
        if user_id is None:
            raise ApiError(400, f"User with username {username} already exists.")
        return envelope.success({"id": user_id})

    @permissions("System admin")
    def delete(self, user_id: str) -> envelope.Response:
        if not self.store.delete_user(int(user_id)):
            raise ApiError(400, f"Invalid user ID ({user_id}).")
        return envelope.success({})


class TokenHandler(Handler):
    @permissions("System admin")
    def post(self, *ignored: str | None) -> envelope.Response:
        data = self.get_json()
        user_id = data.get("user_id", self.caller.user_id)
        acls = data.get("acls", [])
        if not isinstance(acls, list) or not all(isinstance(acl, str) for acl in acls):
            raise ApiError(400, "Invalid acls: a list of ACL names is expected")
        if not isinstance(user_id, int) or not self.store.existing_user_ids([user_id]):
            raise ApiError(400, f"Invalid user_id: {user_id}")
        return envelope.success({"token_id": self.store.create_token(user_id, acls)})


class ProfileHandler(Handler):
    def get(self) -> envelope.Response:
        """The caller's own user: id, username and the token's ACLs (SkyPortal's
        profile carries many more keys; these are the ones a test needs)."""
        user = self.store.get_user(self.caller.user_id)
        return envelope.success({"id": user["id"], "username": user["username"], "first_name": None,
                                 "last_name": None, "permissions": list(self.caller.acls)})
