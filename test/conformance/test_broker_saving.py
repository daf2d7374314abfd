"""observed-exchanges-broker §7 (saving the candidate as a source), the unsave calls of §9
and the rules "saving" and "HEAD" (sources)."""

import alerts
from plain_http import assert_error

GROUP_KEYS = {"name", "nickname", "description", "private", "auto_accept_requests", "single_user_group", "id",
              "modified", "created_at"}


def head_status(api, obj_id, **kwargs):
    reply = api.call("HEAD", f"/api/sources/{obj_id}", **kwargs)
    assert reply.raw == b""
    return reply.status


def saved_group_ids(api, obj_id):
    return [group["id"] for group in api.ok("GET", f"/api/sources/{obj_id}/groups")]


def test_save_a_candidate(api, alert, bot):
    """§7 "source exists? (before saving)" (404), "groups of an object not saved anywhere"
    ([]), "save candidate as source to a group" (no ra/dec), "source exists? (saved)" (200),
    "source exists? as the non-admin user (not in that group)" (404) and "groups of the source"."""
    assert head_status(api, alert.obj_id) == 404
    assert saved_group_ids(api, alert.obj_id) == []
    saved = api.ok("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [alert.group_id]})
    assert saved == {"id": alert.obj_id, "saved_to_groups": [alert.group_id]}
    reply = api.call("HEAD", f"/api/sources/{alert.obj_id}")
    assert (reply.status, reply.headers["Content-Type"], reply.headers["Etag"]) == (
        200, "application/json", alerts.HEAD_ETAG)
    assert head_status(api, alert.obj_id, token=bot.token) == 404
    [group] = api.ok("GET", f"/api/sources/{alert.obj_id}/groups")
    assert set(group) == GROUP_KEYS and group["id"] == alert.group_id


def test_groups_of_an_unknown_object(api):
    """§7 "groups of an unknown object": 404 "Source not found"."""
    assert_error(api.call("GET", "/api/sources/NoSuchObj999/groups"), 404, "Source not found")


def test_source_groups_is_not_idempotent_and_sources_is(api, alert):
    """§7 "save to another group (source_groups)", "save to the same group again
    (source_groups)" (400) and
    "save again through POST /api/sources (already saved)" (200, every requested group)."""
    other = alerts.new_group(api, alert.admin_id)
    api.ok("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [alert.group_id]})
    assert api.ok("POST", "/api/source_groups", {"objId": alert.obj_id, "inviteGroupIds": [other]}) == {}
    assert_error(api.call("POST", "/api/source_groups", {"objId": alert.obj_id, "inviteGroupIds": [other]}), 400,
                 f"Source already saved to group w/ ID {other}")
    saved = api.ok("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [alert.group_id, other]})
    assert saved["id"] == alert.obj_id and sorted(saved["saved_to_groups"]) == sorted([alert.group_id, other])
    assert saved_group_ids(api, alert.obj_id) == sorted([alert.group_id, other])


def test_source_groups_body_errors(api, alert):
    """§7 "source_groups with snake_case keys", "source_groups without group lists" and
    "source_groups, unknown object"."""
    assert_error(api.call("POST", "/api/source_groups", {"obj_id": alert.obj_id, "group_ids": [alert.group_id]}),
                 400, "Invalid/missing parameters: objId: Field required; obj_id: Extra inputs are not permitted; "
                      "group_ids: Extra inputs are not permitted")
    assert_error(api.call("POST", "/api/source_groups", {"objId": alert.obj_id}), 400,
                 "Missing required parameter: one of either unsaveGroupIds or inviteGroupIds must be provided")
    assert_error(api.call("POST", "/api/source_groups", {"objId": "NoSuchObj999", "inviteGroupIds": [alert.group_id]}),
                 404, "Obj NoSuchObj999 not found")


def test_invite_by_a_non_member_hits_the_unique_index(api, alert, bot):
    """§7 "source_groups as the non-admin user, a group it is not in (invite)": the caller
    cannot see the active row, inserts another: 500 with the SQL text."""
    api.ok("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [alert.group_id]})
    reply = api.call("POST", "/api/source_groups", {"objId": alert.obj_id, "inviteGroupIds": [alert.group_id]},
                     token=bot.token)
    assert_error(reply, 500)
    assert reply.message.startswith(
        '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "sources_forward_ind"\n'
        f"DETAIL:  Key (group_id, obj_id)=({alert.group_id}, {alert.obj_id}) already exists.")


def test_unsave_through_source_groups(api, alert):
    """§7 "unsave from the second group", "groups of the source after unsave" and "unsave
    from a group it is not saved to" (400)."""
    other = alerts.new_group(api, alert.admin_id)
    api.ok("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [alert.group_id, other]})
    assert api.ok("POST", "/api/source_groups", {"objId": alert.obj_id, "unsaveGroupIds": [other]}) == {}
    assert saved_group_ids(api, alert.obj_id) == [alert.group_id]
    assert_error(api.call("POST", "/api/source_groups", {"objId": alert.obj_id, "unsaveGroupIds": [999999]}), 400,
                 "Specified source is not saved to group from which it was to be unsaved.")


def test_save_to_an_unknown_group(api, alert):
    """§7 "save through POST /api/sources, unknown group": 400 "Failed to post source: ..."."""
    assert_error(api.call("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [999999]}), 400,
                 "Failed to post source: Invalid group_ids field. Please specify at least one valid group ID that "
                 "you belong to.")


def test_unsave_reads_group_id_from_the_body(api, alert):
    """§9 "unsave source, group_id in the query" (ignored: 400), "unsave source, group_id in the JSON body"
    (200), "unsave, unknown group id" (400), "source exists? (every group row inactive)"
    (HEAD still 200) and "groups of the source (every group row inactive)" ([])."""
    api.ok("POST", "/api/sources", {"id": alert.obj_id, "group_ids": [alert.group_id]})
    assert_error(api.call("DELETE", f"/api/sources/{alert.obj_id}?group_id={alert.group_id}"), 400,
                 "Missing required parameter `group_id`")
    assert api.ok("DELETE", f"/api/sources/{alert.obj_id}", {"group_id": alert.group_id}) == {}
    assert_error(api.call("DELETE", f"/api/sources/{alert.obj_id}", {"group_id": 999999}), 400,
                 "Inadequate permissions.")
    reply = api.call("HEAD", f"/api/sources/{alert.obj_id}")
    assert reply.status == 200 and reply.headers["Etag"] == alerts.HEAD_ETAG
    assert saved_group_ids(api, alert.obj_id) == []
