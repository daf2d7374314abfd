"""observed-exchanges-broker §4 (annotations) and the rule "annotations"."""

from plain_http import assert_error

ANNOTATION_KEYS = {"modified", "data", "obj_id", "id", "created_at", "origin", "author_id", "groups"}


def post(api, obj_id, body):
    return api.ok("POST", f"/api/sources/{obj_id}/annotations", body)["annotation_id"]


def test_one_annotation_per_origin_whatever_the_groups(api, alert):
    """§4 "post annotation", "post annotation again, same origin" and "post annotation,
    same origin, other group": 400 "Annotation already exists: " with the database text."""
    other = api.ok("POST", "/api/groups", {"name": f"other-{alert.obj_id}", "group_admins": [alert.admin_id]})["id"]
    annotation_id = post(api, alert.obj_id, {"origin": "kowalski", "group_ids": [alert.group_id],
                                             "data": {"acai_h": 0.91, "sgscore1": 0.02, "drb": 0.999}})
    assert isinstance(annotation_id, int)
    for group_id in (alert.group_id, other):
        reply = api.call("POST", f"/api/sources/{alert.obj_id}/annotations",
                         {"origin": "kowalski", "data": {"acai_h": 0.5}, "group_ids": [group_id]})
        assert_error(reply, 400)
        assert reply.message.startswith(
            'Annotation already exists: (psycopg.errors.UniqueViolation) duplicate key value violates unique '
            'constraint "annotations_obj_id_origin_key"\n'
            f"DETAIL:  Key (obj_id, origin)=({alert.obj_id}, kowalski) already exists.")


def test_annotation_without_groups_goes_to_every_accessible_group(api, alert):
    """§4 "post annotation without group_ids": every group the caller can access."""
    annotation_id = post(api, alert.obj_id, {"origin": "mirar", "data": {"rb": 0.8}})
    groups = {group["id"] for group in api.ok("GET", f"/api/sources/{alert.obj_id}/annotations/{annotation_id}")[
        "groups"]}
    accessible = {group["id"] for group in api.ok("GET", "/api/groups")["user_accessible_groups"]}
    assert alert.group_id in groups and accessible <= groups


def test_annotation_body_errors(api, alert):
    """§4 "post annotation, origin not matching ^\\w+", "post annotation without data", "post
    annotation, data not an object", "post annotation, unknown group" (400) and "post
    annotation, unknown object" (404)."""
    path = f"/api/sources/{alert.obj_id}/annotations"
    assert_error(api.call("POST", path, {"origin": "-kowalski", "data": {"x": 1}}), 400,
                 "Invalid/missing parameters: origin: String should match pattern '^\\w+'")
    assert_error(api.call("POST", path, {"origin": "kw2"}), 400, "Invalid/missing parameters: data: Field required")
    assert_error(api.call("POST", path, {"origin": "kw3", "data": [1, 2]}), 400,
                 "Invalid/missing parameters: data: Input should be a valid dictionary")
    assert_error(api.call("POST", path, {"origin": "kw4", "data": {"x": 1}, "group_ids": [999999]}), 400,
                 "Cannot find one or more groups with IDs: [999999].")
    assert_error(api.call("POST", "/api/sources/NoSuchObj999/annotations", {"origin": "kw5", "data": {"x": 1}}),
                 404, "Obj NoSuchObj999 not found")


def test_annotations_read_back(api, alert):
    """§4 "annotations" and "annotation by id": data, origin, author and groups."""
    annotation_id = post(api, alert.obj_id, {"origin": "kowalski", "data": {"drb": 0.999},
                                             "group_ids": [alert.group_id]})
    [listed] = api.ok("GET", f"/api/sources/{alert.obj_id}/annotations")
    reply = api.call("GET", f"/api/sources/{alert.obj_id}/annotations/{annotation_id}")
    assert reply.status == 200 and reply.headers["Etag"]
    for data in (listed, reply.data):
        assert set(data) == ANNOTATION_KEYS
        assert (data["id"], data["obj_id"], data["origin"], data["data"]) == (
            annotation_id, alert.obj_id, "kowalski", {"drb": 0.999})
        assert data["author_id"] == alert.admin_id
        assert [group["id"] for group in data["groups"]] == [alert.group_id]


def test_put_replaces_data_wholesale(api, alert):
    """§4 "update annotation data" and "annotation after update (data replaced, not merged)"."""
    annotation_id = post(api, alert.obj_id, {"origin": "kowalski", "group_ids": [alert.group_id],
                                             "data": {"acai_h": 0.91, "sgscore1": 0.02, "drb": 0.999}})
    path = f"/api/sources/{alert.obj_id}/annotations/{annotation_id}"
    assert api.ok("PUT", path, {"data": {"acai_h": 0.95}}) == {}
    data = api.ok("GET", path)
    assert data["data"] == {"acai_h": 0.95} and data["origin"] == "kowalski"


def test_put_errors(api, alert):
    """§4 "update annotation, unknown group" (400) and "update unknown annotation" (403)."""
    annotation_id = post(api, alert.obj_id, {"origin": "kowalski", "data": {"x": 1}})
    assert_error(api.call("PUT", f"/api/sources/{alert.obj_id}/annotations/{annotation_id}",
                          {"group_ids": [999999]}), 400, "Cannot find one or more groups with IDs: [999999].")
    assert_error(api.call("PUT", f"/api/sources/{alert.obj_id}/annotations/999999", {"data": {"x": 1}}), 403,
                 "Could not find any accessible annotations.")


def test_delete_annotation(api, alert):
    """§4 "delete annotation", "delete annotation again" (403) and "delete the second annotation"."""
    annotation_id = post(api, alert.obj_id, {"origin": "kowalski", "data": {"x": 1}})
    path = f"/api/sources/{alert.obj_id}/annotations/{annotation_id}"
    assert api.ok("DELETE", path) == {}
    assert_error(api.call("DELETE", path), 403, "Could not find any accessible annotations.")
    assert api.ok("GET", f"/api/sources/{alert.obj_id}/annotations") == []
