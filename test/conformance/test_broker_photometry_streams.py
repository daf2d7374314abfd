"""observed-exchanges-broker §5 (photometry with streams) and the rule "photometry + streams"."""

import alerts
from plain_http import assert_error


def _body(alert, setup, **fields):
    return {"obj_id": alert.obj_id, "instrument_id": setup.instrument_id, "mjd": [60650.1, 60650.2],
            "flux": [320.5, 410.0], "fluxerr": [12.1, 13.4], "zp": 23.9, "magsys": "ab", "filter": "ztfg",
            "ra": [alert.ra, alert.ra], "dec": [alert.dec, alert.dec], "group_ids": [alert.group_id], **fields}


def test_put_is_an_upsert_that_only_adds_streams(api, alert, setup):
    """§5 "create a second stream", "put photometry with stream_ids", "put the same
    photometry again", "put the same photometry again, another stream", "put the same
    photometry again, no stream_ids" (same ids each time), and
    "object photometry with stream info" (both streams on both points)."""
    second = alerts.new_stream(api, altdata={"collection": "ZTF_alerts", "selector": [1, 2]})
    ids = api.ok("PUT", "/api/photometry", _body(alert, setup, stream_ids=[alert.stream_id]))["ids"]
    assert len(ids) == 2
    for streams in ([alert.stream_id], [second], None):
        extra = {} if streams is None else {"stream_ids": streams}
        assert api.ok("PUT", "/api/photometry", _body(alert, setup, **extra))["ids"] == ids
    points = api.ok("GET", f"/api/sources/{alert.obj_id}/photometry?includeStreamInfo=true")
    assert [point["id"] for point in points] == ids
    for point in points:
        assert sorted(stream["id"] for stream in point["streams"]) == sorted([alert.stream_id, second])
        assert all(set(stream) == {"id", "name"} for stream in point["streams"])


def test_streams_show_only_with_include_stream_info(api, alert, setup):
    """§5 "object photometry" and "one point with stream info?": no streams key without
    includeStreamInfo, none on GET /api/photometry/{id}."""
    ids = api.ok("PUT", "/api/photometry", _body(alert, setup, stream_ids=[alert.stream_id]))["ids"]
    points = api.ok("GET", f"/api/sources/{alert.obj_id}/photometry")
    assert len(points) == 2 and all("streams" not in point for point in points)
    point = api.ok("GET", f"/api/photometry/{ids[0]}")
    assert "streams" not in point and point["annotations"] == []


def test_stream_ids_errors(api, alert, setup):
    """§5 "put photometry, unknown stream id", "put photometry, stream_ids not a list" and
    "put photometry, stream_ids not integers"."""
    body = _body(alert, setup, mjd=[60651.1, 60651.2])
    assert_error(api.call("PUT", "/api/photometry", {**body, "stream_ids": [999999]}), 400,
                 "Invalid stream IDs: {999999}. Available stream IDs: set()")
    assert_error(api.call("PUT", "/api/photometry", {**body, "stream_ids": alert.stream_id}), 400,
                 "Invalid stream_ids parameter value. Must be a list of IDs (integers).")
    assert_error(api.call("PUT", "/api/photometry", {**body, "stream_ids": ["abc"]}), 400,
                 "Invalid format for stream_ids parameter. Must be a list of integers.")


def test_stream_without_access_reads_like_unknown(api, alert, setup, bot):
    """§5 "put photometry as the non-admin user, stream it has no access to" (same text as
    an unknown id) and "put photometry as the non-admin user, no stream_ids" (200)."""
    group_id = alerts.new_group(api, alert.admin_id)
    api.ok("POST", f"/api/groups/{group_id}/users", {"userID": bot.user_id, "admin": False})
    body = _body(alert, setup, mjd=[60651.1, 60651.2], group_ids=[group_id])
    assert_error(api.call("PUT", "/api/photometry", {**body, "stream_ids": [alert.stream_id]}, token=bot.token), 400,
                 f"Invalid stream IDs: {{{alert.stream_id}}}. Available stream IDs: set()")
    assert len(api.ok("PUT", "/api/photometry", body, token=bot.token)["ids"]) == 2


def test_post_of_stored_points_is_refused(api, alert, setup):
    """§5 "post (not put) the first points again": 400, a traceback ending in the duplicates."""
    api.ok("PUT", "/api/photometry", _body(alert, setup, stream_ids=[alert.stream_id]))
    reply = api.call("POST", "/api/photometry", _body(alert, setup, stream_ids=[alert.stream_id]))
    assert_error(reply, 400)
    assert reply.message.startswith("Traceback (most recent call last):")
    assert ("marshmallow.exceptions.ValidationError: The following photometry already exists in the database "
            "(deduplication keys: obj_id, instrument_id, origin, mjd, fluxerr, flux): ") in reply.message
