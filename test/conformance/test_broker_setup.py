"""observed-exchanges-broker §0 (setup) and the rule "groups made with a token"."""

import alerts
from plain_http import assert_error

from skyportal_client.testing.provision import unique_name


def test_group_made_with_a_token_has_no_members(api):
    """§0 "create group without group_admins (token call)" and "that group has no members"."""
    group_id = api.ok("POST", "/api/groups", {"name": unique_name("brk-group0")})["id"]
    data = api.ok("GET", f"/api/groups/{group_id}")
    assert (data["group_users"], data["users"], data["streams"], data["filters"]) == ([], [], [], [])


def test_a_group_without_members_cannot_be_deleted(api, admin_user_id):
    """§0 "delete a group that has no members" (403 "Cannot find Group with id N"),
    "add the token's user as group admin" and "delete the group again" (200)."""
    group_id = api.ok("POST", "/api/groups", {"name": unique_name("brk-group0")})["id"]
    assert_error(api.call("DELETE", f"/api/groups/{group_id}"), 403, f"Cannot find Group with id {group_id}")
    added = api.ok("POST", f"/api/groups/{group_id}/users", {"userID": admin_user_id, "admin": True})
    assert added == {"group_id": group_id, "user_id": admin_user_id, "admin": True}
    assert api.ok("DELETE", f"/api/groups/{group_id}") == {}


def test_group_admins_makes_the_token_user_a_member(api, admin_user_id):
    """§0 "create group (token's user as group admin)" and "create a second group":
    group_admins lists the token's user."""
    group_id = api.ok("POST", "/api/groups", {"name": unique_name("brk-group"), "nickname": unique_name("brk"),
                                              "group_admins": [admin_user_id]})["id"]
    [member] = api.ok("GET", f"/api/groups/{group_id}")["group_users"]
    assert (member["user_id"], member["admin"]) == (admin_user_id, True)


def test_non_admin_user_and_its_token(api, admin_user_id):
    """§0 "create a non-admin user", "add the user to the second group" and "token for the
    non-admin user": the token authenticates as that user, who lacks System admin."""
    bot = alerts.new_bot(api)
    group_id = alerts.new_group(api, admin_user_id)
    added = api.ok("POST", f"/api/groups/{group_id}/users", {"userID": bot.user_id, "admin": False})
    assert added == {"group_id": group_id, "user_id": bot.user_id, "admin": False}
    users = {user["id"]: user["admin"] for user in api.ok("GET", f"/api/groups/{group_id}")["users"]}
    assert users == {admin_user_id: True, bot.user_id: False}
    assert api.ok("GET", "/api/internal/profile", token=bot.token)["id"] == bot.user_id
    assert api.ok("DELETE", f"/api/user/{bot.user_id}") == {}
