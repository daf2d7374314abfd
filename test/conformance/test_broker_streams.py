"""observed-exchanges-broker §2 (streams, group-stream access, filters) and the rule "stream access"."""

import re

import alerts
from plain_http import assert_error

from skyportal_client.testing.provision import unique_name

STREAM_KEYS = {"altdata", "id", "created_at", "name", "auto_join", "modified"}
FILTER_KEYS = {"name", "stream_id", "broker_id", "autosave", "id", "created_at", "altdata", "group_id", "modified"}


def test_create_and_read_stream(api):
    """§2 "streams", "create stream" and "stream by id"."""
    name = unique_name("ZTF-public")
    reply = api.call("GET", "/api/streams")
    assert reply.status == 200 and isinstance(reply.data, list) and reply.headers["Etag"]
    stream_id = api.ok("POST", "/api/streams", {"name": name, "altdata": {"collection": "ZTF_alerts",
                                                                          "selector": [1]}})["id"]
    data = api.ok("GET", f"/api/streams/{stream_id}")
    assert set(data) == STREAM_KEYS
    assert (data["id"], data["name"], data["auto_join"]) == (stream_id, name, False)
    assert data["altdata"] == {"collection": "ZTF_alerts", "selector": [1]}
    assert stream_id in {stream["id"] for stream in api.ok("GET", "/api/streams")}


def test_stream_name_taken_is_a_500_with_sql(api):
    """§2 "create stream, same name again": 500 with PostgreSQL's text (rule "status codes")."""
    name = unique_name("ZTF-public")
    api.ok("POST", "/api/streams", {"name": name})
    reply = api.call("POST", "/api/streams", {"name": name})
    assert_error(reply, 500)
    assert reply.message.startswith('(psycopg.errors.UniqueViolation) duplicate key value violates unique '
                                    f'constraint "streams_name_key"\nDETAIL:  Key (name)=({name}) already exists.')
    assert "[SQL: INSERT INTO streams" in reply.message


def test_stream_body_is_validated(api):
    """§2 "create stream without name", "create stream with an unknown field" and
    "create stream, name not a string"."""
    assert_error(api.call("POST", "/api/streams", {"altdata": {"collection": "ZTF_alerts"}}), 400,
                 "Invalid/missing parameters: name: Field required")
    assert_error(api.call("POST", "/api/streams", {"name": unique_name("x"), "selector": [1]}), 400,
                 "Invalid/missing parameters: selector: Extra inputs are not permitted")
    assert_error(api.call("POST", "/api/streams", {"name": 42}), 400,
                 "Invalid/missing parameters: name: Input should be a valid string")


def test_stream_missing(api):
    """§2 "stream missing": 400 "Could not retrieve stream with ID N."."""
    assert_error(api.call("GET", "/api/streams/999999"), 400, "Could not retrieve stream with ID 999999.")


def test_stream_hidden_from_user_without_access(api, bot):
    """§2 "streams as the non-admin user (no stream access)", "stream by id as the non-admin user"
    (stream_read_access_logic) and "stream: create as the non-admin user" (401)."""
    stream_id = alerts.new_stream(api)
    assert stream_id not in {stream["id"] for stream in api.ok("GET", "/api/streams", token=bot.token)}
    assert_error(api.call("GET", f"/api/streams/{stream_id}", token=bot.token), 400,
                 f"Could not retrieve stream with ID {stream_id}.")
    assert_error(api.call("POST", "/api/streams", {"name": unique_name("bot-stream")}, token=bot.token), 401,
                 "HTTP 401: Unauthorized")


def test_group_stream_needs_every_member_linked(api, admin_user_id):
    """§2 "give group the stream before its member (the token's user) has stream access"
    (403), "grant the admin user access to the stream", "grant again" (400), "give group the
    stream" and "give group the stream again" (400)."""
    group_id = alerts.new_group(api, admin_user_id)
    stream_id = alerts.new_stream(api)
    assert_error(api.call("POST", f"/api/groups/{group_id}/streams", {"stream_id": stream_id}), 403,
                 f"Not all users have stream access with ID {stream_id}")
    granted = api.ok("POST", f"/api/streams/{stream_id}/users", {"user_id": admin_user_id})
    assert granted == {"stream_id": stream_id, "user_id": admin_user_id}
    assert_error(api.call("POST", f"/api/streams/{stream_id}/users", {"user_id": admin_user_id}), 400,
                 "Specified user already has access to this stream.")
    linked = api.ok("POST", f"/api/groups/{group_id}/streams", {"stream_id": stream_id})
    assert linked == {"group_id": group_id, "stream_id": stream_id}
    assert_error(api.call("POST", f"/api/groups/{group_id}/streams", {"stream_id": stream_id}), 400,
                 "Specified stream is already associated with this group.")


def test_group_stream_unknown_or_missing_stream(api, admin_user_id):
    """§2 "give group an unknown stream" (the members' check first: 403) and "give group a
    stream, stream_id missing" (400)."""
    group_id = alerts.new_group(api, admin_user_id)
    assert_error(api.call("POST", f"/api/groups/{group_id}/streams", {"stream_id": 999999}), 403,
                 "Not all users have stream access with ID 999999")
    assert_error(api.call("POST", f"/api/groups/{group_id}/streams", {}), 400, "Invalid stream_id: None")


def test_member_without_stream_blocks_the_group_and_cannot_join(api, alert, bot):
    """§2 "give the second group the stream (its non-admin member lacks stream access)"
    (403), "add a user without stream access to a group that has the stream" (403) and
    "group shows its streams"."""
    second = alerts.new_group(api, alert.admin_id)
    api.ok("POST", f"/api/groups/{second}/users", {"userID": bot.user_id, "admin": False})
    assert_error(api.call("POST", f"/api/groups/{second}/streams", {"stream_id": alert.stream_id}), 403,
                 f"Not all users have stream access with ID {alert.stream_id}")
    reply = api.call("POST", f"/api/groups/{alert.group_id}/users", {"userID": bot.user_id, "admin": False})
    username = next(user["username"] for user in api.ok("GET", f"/api/groups/{second}")["users"]
                    if user["id"] == bot.user_id)
    assert_error(reply, 403, f"User with ID {bot.user_id} ({username}) does not have stream access with ID "
                             f"{alert.stream_id}. Please contact a super-admin to grant access.")
    [stream] = api.ok("GET", f"/api/groups/{alert.group_id}")["streams"]
    assert set(stream) == STREAM_KEYS and stream["id"] == alert.stream_id


def test_filters(api, alert):
    """§2 "filters", "create filter", "create a second filter (same group and stream)",
    "filters (list)" and "filter by id"."""
    second = alerts.new_filter(api, alert.group_id, alert.stream_id)
    assert second != alert.filter_id
    listed = {found["id"]: found for found in api.ok("GET", "/api/filters")}
    assert {alert.filter_id, second} <= set(listed)
    assert set(listed[second]) == FILTER_KEYS
    assert (listed[second]["group_id"], listed[second]["stream_id"], listed[second]["autosave"]) == (
        alert.group_id, alert.stream_id, False)
    data = api.ok("GET", f"/api/filters/{alert.filter_id}")
    assert set(data) == FILTER_KEYS | {"stream"} and data["stream"]["id"] == alert.stream_id
    assert set(data["stream"]) == STREAM_KEYS


def test_filter_needs_no_group_stream_link(api, alert):
    """§2 "create filter for a group that has no access to the stream (super admin)": 200."""
    other = alerts.new_group(api, alert.admin_id)
    filter_id = alerts.new_filter(api, other, alert.stream_id)
    assert api.ok("GET", f"/api/filters/{filter_id}")["group_id"] == other


def test_filter_refused_to_non_admin_names_the_raw_token(api, alert, bot):
    """§2 "create filter as the non-admin user (member of the group, no stream access)" and
    "create filter as the non-admin user for a group it is not in": 400 naming the raw
    token and the refused row's id (rule "status codes")."""
    member_group = alerts.new_group(api, alert.admin_id)
    api.ok("POST", f"/api/groups/{member_group}/users", {"userID": bot.user_id, "admin": False})
    pattern = re.compile(r'^Insufficient permissions for operation "Token <token> create Filter \{(\d+)\}"\.$')
    for group_id in (member_group, alert.group_id):
        reply = api.call("POST", "/api/filters", {"name": unique_name("brk-filter"), "stream_id": alert.stream_id,
                                                  "group_id": group_id}, token=bot.token)
        assert_error(reply, 400, hide=bot.token)
        assert bot.token in reply.message
        assert pattern.match(reply.message.replace(bot.token, "<token>"))


def test_filter_unknown_stream_or_group_is_a_500_with_sql(api, alert):
    """§2 "create filter with unknown stream" and "create filter with unknown group": 500,
    the foreign key text (rule "status codes")."""
    for field, table in (("stream_id", "streams"), ("group_id", "groups")):
        body = {"name": unique_name("brk-filter"), "stream_id": alert.stream_id, "group_id": alert.group_id,
                field: 999999}
        reply = api.call("POST", "/api/filters", body)
        assert_error(reply, 500)
        assert reply.message.startswith(
            '(psycopg.errors.ForeignKeyViolation) insert or update on table "filters" violates foreign key '
            f'constraint "filters_{field}_fkey"\nDETAIL:  Key ({field})=(999999) is not present in table '
            f'"{table}".\n[SQL: INSERT INTO filters')


def test_filter_body_is_validated(api, alert):
    """§2 "create filter without group_id" and "create filter, stream_id a non-numeric string"."""
    assert_error(api.call("POST", "/api/filters", {"name": unique_name("f"), "stream_id": alert.stream_id}), 400,
                 "Invalid/missing parameters: group_id: Field required")
    assert_error(api.call("POST", "/api/filters", {"name": unique_name("f"), "stream_id": "abc",
                                                   "group_id": alert.group_id}), 400,
                 "Invalid/missing parameters: stream_id: Input should be a valid integer, unable to parse string "
                 "as an integer")


def test_filter_missing_and_hidden(api, alert, bot):
    """§2 "filter missing" (400) and "filters as the non-admin user" (not listed)."""
    assert_error(api.call("GET", "/api/filters/999999"), 400, "Cannot find a filter with ID: 999999.")
    assert alert.filter_id not in {found["id"] for found in api.ok("GET", "/api/filters", token=bot.token)}


def test_clean_up_filters_and_streams(api, alert):
    """§9 "delete group stream while a filter of the group uses it" (400), "delete filter",
    "delete filter again" (400), "delete group stream", "revoke the admin user's stream
    access", "delete stream" and "delete stream again" (400)."""
    group, stream = alert.group_id, alert.stream_id
    assert_error(api.call("DELETE", f"/api/groups/{group}/streams/{stream}"), 400,
                 f"No stream IDs with ID {stream} accessible")
    api.ok("DELETE", f"/api/candidates/{alert.obj_id}/{alert.filter_id}")
    assert api.ok("DELETE", f"/api/filters/{alert.filter_id}") == {}
    assert_error(api.call("DELETE", f"/api/filters/{alert.filter_id}"), 400,
                 f"Cannot find a filter with ID: {alert.filter_id}.")
    assert api.ok("DELETE", f"/api/groups/{group}/streams/{stream}") == {}
    assert api.ok("GET", f"/api/groups/{group}")["streams"] == []
    assert api.ok("DELETE", f"/api/streams/{stream}/users/{alert.admin_id}") == {}
    assert api.ok("DELETE", f"/api/streams/{stream}") == {}
    assert_error(api.call("DELETE", f"/api/streams/{stream}"), 400, f"Could not retrieve stream with ID {stream}.")
