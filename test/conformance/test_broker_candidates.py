"""observed-exchanges-broker §1 (HEAD), §3 (candidates) and the rules "HEAD" and "candidates"."""

import alerts
from plain_http import UUID4, assert_error

CANDIDATE_KEYS = {
    "redshift_error", "summary_history", "varstar", "ra_dis", "redshift_origin", "is_roid", "healpix",
    "created_at", "dec_dis", "redshift_history", "mpc_name", "dec", "ra_err", "host_id", "tns_name",
    "detect_photometry_count", "id", "dec_err", "tns_info", "ra", "offset", "dist_nearest_source",
    "mag_nearest_source", "score", "t0", "summary", "e_mag_nearest_source", "origin", "modified", "redshift",
    "altdata", "transient", "alias", "photstats", "thumbnails", "internal_key", "associated_objs", "annotations",
    "is_source", "last_detected_at", "gal_lon", "gal_lat", "luminosity_distance", "dm",
    "angular_diameter_distance"}


def assert_head(reply, status, content_type):
    assert reply.status == status, reply
    assert reply.headers["Content-Type"] == content_type
    assert reply.raw == b""


def test_head_and_get_of_an_unknown_object(api):
    """§1 "candidate exists? (missing)" (404 JSON type), "source exists? (missing)" (404
    text/html), both without a body, and "candidate missing (GET)" (400 "Invalid ID")."""
    obj_id = alerts.new_obj_id()
    assert_head(api.call("HEAD", f"/api/candidates/{obj_id}"), 404, "application/json; charset=UTF-8")
    assert_head(api.call("HEAD", f"/api/sources/{obj_id}"), 404, "text/html; charset=UTF-8")
    assert_error(api.call("GET", f"/api/candidates/{obj_id}"), 400, "Invalid ID")


def test_head_of_a_candidate(api, alert, bot):
    """§3 "candidate exists? (present)" (200, the empty body's Etag), "candidate exists? as
    the non-admin user (no filter in its groups)" (404: only filters of the caller's groups
    count) and "source exists? (candidate only, not saved)" (404)."""
    reply = api.call("HEAD", f"/api/candidates/{alert.obj_id}")
    assert_head(reply, 200, "application/json")
    assert reply.headers["Etag"] == alerts.HEAD_ETAG
    assert_head(api.call("HEAD", f"/api/candidates/{alert.obj_id}", token=bot.token), 404,
                "application/json; charset=UTF-8")
    assert_head(api.call("HEAD", f"/api/sources/{alert.obj_id}"), 404, "text/html; charset=UTF-8")


def test_candidate_is_unique_per_object_filter_and_time(api, alert):
    """§3 "post candidate (new object)", "post the same candidate again (same filter, same
    passed_at)" (same id), "post again for the same object, another filter" and "post again,
    first filter, a later passed_at (next alert)" (new rows)."""
    second = alerts.new_filter(api, alert.group_id, alert.stream_id)
    body = {"ra": alert.ra, "dec": alert.dec, "passing_alert_id": 2456789012345678901, "origin": "Kowalski"}
    [first] = alerts.post_candidate(api, alert.obj_id, [alert.filter_id], **body)
    assert alerts.post_candidate(api, alert.obj_id, [alert.filter_id], **body) == [first]
    [other_filter] = alerts.post_candidate(api, alert.obj_id, [second], **body)
    [later] = alerts.post_candidate(api, alert.obj_id, [alert.filter_id], passed_at="2026-12-06T11:30:00",
                                    ra=alert.ra + 0.0001, dec=alert.dec + 0.0001)
    assert len({first, other_filter, later}) == 3


def test_existing_object_needs_no_position_and_unknown_filters_are_dropped(api, alert):
    """§3 "post for the existing object without ra/dec, both filters plus an unknown filter
    id": one id per valid filter; a repeat post does not move the object."""
    second = alerts.new_filter(api, alert.group_id, alert.stream_id)
    ids = alerts.post_candidate(api, alert.obj_id, [alert.filter_id, second, 999999],
                                passed_at="2026-12-06T12:00:00")
    assert len(ids) == 2 and len(set(ids)) == 2
    alerts.post_candidate(api, alert.obj_id, [alert.filter_id], ra=1.0, dec=2.0, passed_at="2026-12-06T12:30:00")
    data = api.ok("GET", f"/api/candidates/{alert.obj_id}")
    assert (data["ra"], data["dec"]) == (alert.ra, alert.dec)


def test_candidate_body_errors(api, alert):
    """§3 "post candidate without passed_at", "post candidate without filter_ids", "post
    candidate without id", "post candidate for a new object without ra", "post candidate
    with a bad passed_at" and "post candidate with ra as a string"."""
    obj_id = alerts.new_obj_id()
    cases = [
        ({"id": obj_id, "ra": 1.0, "dec": 2.0, "filter_ids": [alert.filter_id]},
         "Missing required parameter: `passed_at`."),
        ({"id": obj_id, "ra": 1.0, "dec": 2.0, "passed_at": "2026-12-06T10:00:00"},
         "Missing required filter_ids parameter."),
        ({"ra": 1.0, "dec": 2.0, "filter_ids": [alert.filter_id], "passed_at": "2026-12-06T10:00:00"},
         "Missing required parameter: `id`."),
        ({"id": obj_id, "dec": 2.0, "filter_ids": [alert.filter_id], "passed_at": "2026-12-06T10:00:00"},
         "RA must not be null for a new Obj"),
        ({"id": obj_id, "ra": 1.0, "dec": 2.0, "filter_ids": [alert.filter_id], "passed_at": "yesterday-ish"},
         "Invalid passedAt value: Could not match input 'yesterday-ish' to any of the following formats: "
         "YYYY-MM-DD, YYYY-M-DD, YYYY-M-D, YYYY/MM/DD, YYYY/M/DD, YYYY/M/D, YYYY.MM.DD, YYYY.M.DD, YYYY.M.D, "
         "YYYYMMDD, YYYY-DDDD, YYYYDDDD, YYYY-MM, YYYY/MM, YYYY.MM, YYYY, W."),
        ({"id": obj_id, "ra": "abc", "dec": 2.0, "filter_ids": [alert.filter_id],
          "passed_at": "2026-12-06T10:00:00"}, "Invalid/missing parameters: {'ra': ['Not a valid number.']}"),
    ]
    for body, message in cases:
        assert_error(api.call("POST", "/api/candidates", body), 400, message)


def test_no_valid_filter_stores_nothing(api):
    """§3 "post candidate with only an unknown filter id (new object)" (400) and "was the
    object of the refused candidate created?" (no: 404 "Source not found")."""
    obj_id = alerts.new_obj_id()
    reply = api.call("POST", "/api/candidates", {"id": obj_id, "ra": 1.0, "dec": 2.0, "filter_ids": [999999],
                                                 "passed_at": "2026-12-06T10:00:00"})
    assert_error(reply, 400, "At least one valid filter ID must be provided.")
    assert_error(api.call("GET", f"/api/sources/{obj_id}"), 404, "Source not found")


def test_candidate_mistakes_that_are_500s(api, alert):
    """§3 "post candidate with filter_ids not a list" and "post candidate, passing_alert_id not an integer"
    (500, the second with the SQL text: rule "status codes")."""
    reply = api.call("POST", "/api/candidates", {"id": alert.obj_id, "filter_ids": alert.filter_id,
                                                 "passed_at": "2026-12-06T10:00:00"})
    assert_error(reply, 500, "IN expression list, SELECT construct, or bound parameter object expected, got "
                             f"{alert.filter_id}.")
    reply = api.call("POST", "/api/candidates", {"id": alert.obj_id, "filter_ids": [alert.filter_id],
                                                 "passing_alert_id": "abc", "passed_at": "2026-12-06T13:00:00"})
    assert_error(reply, 500)
    assert reply.message.startswith('(psycopg.errors.InvalidTextRepresentation) invalid input syntax for type '
                                    'bigint: "abc"')
    assert "[SQL: INSERT INTO candidates" in reply.message


def test_filter_of_another_group_counts_as_unknown(api, alert, bot):
    """§3 "post candidate as the non-admin user with a filter of a group it is not in"."""
    reply = api.call("POST", "/api/candidates", {"id": alert.obj_id, "filter_ids": [alert.filter_id],
                                                 "passed_at": "2026-12-06T14:00:00"}, token=bot.token)
    assert_error(reply, 400, "At least one valid filter ID must be provided.")


def test_candidate_get_returns_the_object(api, alert):
    """§3 "candidate": the object with is_source, thumbnails, photstats and annotations,
    no candidate rows (no filter ids, passed_at or candidate ids)."""
    reply = api.call("GET", f"/api/candidates/{alert.obj_id}")
    assert reply.status == 200 and reply.headers["Etag"]
    data = reply.data
    assert set(data) == CANDIDATE_KEYS
    assert (data["id"], data["ra"], data["dec"], data["origin"]) == (alert.obj_id, alert.ra, alert.dec, "Kowalski")
    assert (data["is_source"], data["thumbnails"], data["annotations"]) == (0, [], [])
    assert isinstance(data["healpix"], int)


def test_candidate_lists(api, alert):
    """§3 "candidates list, by filter", "candidates list, by group", "candidates list, by
    group and time window" and "candidates list, unknown filter": the object once, with
    passing_group_ids and is_source."""
    second = alerts.new_filter(api, alert.group_id, alert.stream_id)
    alerts.post_candidate(api, alert.obj_id, [second], passed_at="2026-12-06T12:00:00")
    for query in (f"filterIDs={alert.filter_id}", f"groupIDs={alert.group_id}",
                  f"groupIDs={alert.group_id}&startDate=2026-12-06T11%3A00%3A00&endDate=2026-12-06T23%3A00%3A00"):
        reply = api.call("GET", f"/api/candidates?{query}&numPerPage=2")
        assert reply.status == 200 and reply.headers["Etag"]
        data = reply.data
        assert (data["pageNumber"], data["numPerPage"], data["totalMatches"]) == (1, 2, 1), query
        assert UUID4.match(data["queryID"])
        [candidate] = data["candidates"]
        assert candidate["id"] == alert.obj_id and candidate["is_source"] is False
    # One entry per passing filter, the filters not queried included.
    by_filter = api.ok("GET", f"/api/candidates?filterIDs={alert.filter_id}")["candidates"][0]
    assert by_filter["passing_group_ids"] == [alert.group_id, alert.group_id]
    data = api.ok("GET", "/api/candidates?filterIDs=999999")
    assert (data["totalMatches"], data["numPerPage"], data["candidates"]) == (0, 25, [])


def test_delete_candidate_rows(api, alert):
    """§3 "delete candidate rows for (object, second filter)" and §9 "delete candidate rows
    (object, first filter)" (every row of the pair),
    "delete again" and "delete with an unknown filter" (400), "delete without a filter id" (500)."""
    alerts.post_candidate(api, alert.obj_id, [alert.filter_id], passed_at="2026-12-06T11:30:00")
    assert api.ok("DELETE", f"/api/candidates/{alert.obj_id}/{alert.filter_id}") == {}
    assert_head(api.call("HEAD", f"/api/candidates/{alert.obj_id}"), 404, "application/json; charset=UTF-8")
    message = "Invalid (obj_id, filter_id) pairing - no matching candidates"
    assert_error(api.call("DELETE", f"/api/candidates/{alert.obj_id}/{alert.filter_id}"), 400, message)
    assert_error(api.call("DELETE", f"/api/candidates/{alert.obj_id}/999999"), 400, message)
    assert_error(api.call("DELETE", f"/api/candidates/{alert.obj_id}"), 500,
                 "CandidateHandler.delete() missing 1 required positional argument: 'filter_id'")


def test_a_repost_after_a_lost_answer_returns_the_same_row(api, alert, skyportal_server):
    """Rule "candidates" (idempotent re-post) under the server's fault modes: the answer of a
    committed post is lost, and posting again returns the stored id, not a second row."""
    [first] = alerts.post_candidate(api, alert.obj_id, [alert.filter_id], passed_at="2026-12-06T15:00:00")
    skyportal_server.inject_fault("status-502-after", methods=["POST"])
    reply = api.call("POST", "/api/candidates", {"id": alert.obj_id, "filter_ids": [alert.filter_id],
                                                 "passed_at": "2026-12-06T16:00:00"})
    assert reply.status == 502
    [again] = alerts.post_candidate(api, alert.obj_id, [alert.filter_id], passed_at="2026-12-06T16:00:00")
    assert again == first + 1
