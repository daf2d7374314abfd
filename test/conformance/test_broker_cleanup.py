"""observed-exchanges-broker §9 (clean-up) and the rule "clean-up"; the filter, stream and
unsave calls of §9 are in test_broker_streams and test_broker_saving."""

import base64

import alerts
from plain_http import assert_error


def test_an_object_goes_once_its_own_rows_are_gone(api, alert, setup):
    """§9 "delete the object while it still has photometry" (400), "delete classification",
    "delete taxonomy", "delete comment", "delete photometry point",
    "delete the object" (candidates, thumbnails and source rows go with it) and "object gone?"."""
    obj = alert.obj_id
    [point] = api.ok("PUT", "/api/photometry", {
        "obj_id": obj, "instrument_id": setup.instrument_id, "mjd": [60650.1], "flux": [320.5], "fluxerr": [12.1],
        "zp": 23.9, "magsys": "ab", "filter": "ztfg", "group_ids": [alert.group_id]})["ids"]
    taxonomy_id = api.ok("POST", "/api/taxonomy", {"name": f"tax-{obj}", "version": "1.0", "group_ids": [
        alert.group_id], "hierarchy": {"class": "SN Ia"}})["taxonomy_id"]
    classification_id = api.ok("POST", "/api/classification", {
        "obj_id": obj, "classification": "SN Ia", "taxonomy_id": taxonomy_id, "group_ids": [alert.group_id]})[
        "classification_id"]
    comment_id = api.ok("POST", f"/api/sources/{obj}/comments", {"text": "x", "group_ids": [alert.group_id]})[
        "comment_id"]
    api.ok("POST", "/api/thumbnail", {"obj_id": obj, "data": base64.b64encode(
        alerts.png(20, 20)).decode(), "ttype": "new"})
    api.ok("POST", "/api/sources", {"id": obj, "group_ids": [alert.group_id]})
    assert_error(api.call("DELETE", f"/api/objs/{obj}"), 400,
                 f"Please remove all associated photometry from object with ID {obj} before removing.")
    assert api.ok("DELETE", f"/api/classification/{classification_id}") == {}
    assert api.ok("DELETE", f"/api/taxonomy/{taxonomy_id}") == {}
    assert api.ok("DELETE", f"/api/sources/{obj}/comments/{comment_id}") == {}
    assert api.ok("DELETE", f"/api/photometry/{point}") == {}
    assert api.ok("DELETE", f"/api/objs/{obj}") == {}
    reply = api.call("HEAD", f"/api/candidates/{obj}")
    assert (reply.status, reply.raw) == (404, b"")
    assert_error(api.call("GET", f"/api/sources/{obj}"), 404, "Source not found")


def test_delete_user_and_groups(api, admin_user_id):
    """§9 "delete the non-admin user" and "delete group"."""
    bot = alerts.new_bot(api)
    group_id = alerts.new_group(api, admin_user_id)
    assert api.ok("DELETE", f"/api/user/{bot.user_id}") == {}
    assert api.call("GET", "/api/internal/profile", token=bot.token).status == 401
    assert api.ok("DELETE", f"/api/groups/{group_id}") == {}
    assert_error(api.call("GET", f"/api/groups/{group_id}"), 400, f"Cannot find Group with id {group_id}")
