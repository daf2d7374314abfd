"""observed-exchanges-broker §8 (comments and classifications) and the rule "comments, classifications"."""

from plain_http import assert_error

from skyportal_client.testing.provision import unique_name

COMMENT_KEYS = {"obj_id", "channel", "id", "created_at", "attachment_name", "bot", "author_id", "system",
                "modified", "text", "origin", "author", "resourceType"}
TAXONOMY_KEYS = {"name", "isLatest", "modified", "hierarchy", "provenance", "version", "id", "created_at"}
CLASSIFICATION_KEYS = {"classification", "origin", "probability", "ml", "id", "created_at", "taxonomy_id",
                       "author_id", "author_name", "obj_id", "modified", "edits", "votes"}
HIERARCHY = {"class": "Transient", "subclasses": [{"class": "SN Ia"}, {"class": "Bogus"}]}
FAILED = "Error posting classification: "


def taxonomy(api, group_id, **fields):
    body = {"name": unique_name("brk-tax"), "version": "1.0", "hierarchy": HIERARCHY, "group_ids": [group_id],
            **fields}
    return {**body, "id": api.ok("POST", "/api/taxonomy", body)["taxonomy_id"]}


def test_comments_are_not_deduplicated(api, alert):
    """§8 "post comment" and "comments": the same text twice makes two comments."""
    body = {"text": "Passed filter brk-filter-a; ACAI hosted 0.91", "group_ids": [alert.group_id]}
    first = api.ok("POST", f"/api/sources/{alert.obj_id}/comments", body)["comment_id"]
    second = api.ok("POST", f"/api/sources/{alert.obj_id}/comments", body)["comment_id"]
    assert first != second
    reply = api.call("GET", f"/api/sources/{alert.obj_id}/comments")
    assert reply.status == 200 and reply.headers["Etag"]
    assert [comment["id"] for comment in reply.data] == [first, second]
    comment = reply.data[0]
    assert set(comment) == COMMENT_KEYS
    assert (comment["text"], comment["obj_id"], comment["author_id"], comment["resourceType"]) == (
        body["text"], alert.obj_id, alert.admin_id, "sources")


def test_comment_errors(api, alert):
    """§8 "post comment without text" (Python's AttributeError text), "post comment,
    unknown object" (the database's text) and "post comment, unknown group"."""
    assert_error(api.call("POST", f"/api/sources/{alert.obj_id}/comments", {"group_ids": [alert.group_id]}), 400,
                 f"Error posting comment for sources {alert.obj_id}: 'NoneType' object has no attribute 'replace'")
    reply = api.call("POST", "/api/sources/NoSuchObj999/comments", {"text": "x", "group_ids": [alert.group_id]})
    assert_error(reply, 400)
    assert reply.message.startswith(
        "Error posting comment for sources NoSuchObj999: (psycopg.errors.ForeignKeyViolation) insert or update on "
        'table "comments" violates foreign key constraint "comments_obj_id_fkey"')
    assert_error(api.call("POST", f"/api/sources/{alert.obj_id}/comments", {"text": "x", "group_ids": [999999]}),
                 400, "Cannot find one or more groups with IDs: [999999].")


def test_taxonomies(api, alert):
    """§8 "taxonomies", "post taxonomy", "post taxonomy, same name and version" (400) and "taxonomy by id"."""
    reply = api.call("GET", "/api/taxonomy")
    assert reply.status == 200 and isinstance(reply.data, list)
    created = taxonomy(api, alert.group_id)
    again = {key: created[key] for key in ("name", "version", "hierarchy", "group_ids")}
    assert_error(api.call("POST", "/api/taxonomy", again), 400,
                 "That version/name combination is already present. If you really want to replace this then "
                 "delete the appropriate entry.")
    data = api.ok("GET", f"/api/taxonomy/{created['id']}")
    assert set(data) == TAXONOMY_KEYS
    assert (data["name"], data["version"], data["hierarchy"], data["isLatest"]) == (
        created["name"], "1.0", HIERARCHY, True)


def test_taxonomy_hierarchy_errors(api, alert):
    """§8 "post taxonomy, bad hierarchy" and "post taxonomy without hierarchy"."""
    body = {"name": unique_name("brk-tax2"), "version": "1.0", "group_ids": [alert.group_id]}
    assert_error(api.call("POST", "/api/taxonomy", {**body, "hierarchy": {"name": "Transient"}}), 400,
                 "Hierarchy does not validate against the schema.")
    assert_error(api.call("POST", "/api/taxonomy", body), 400, "A JSON of the taxonomy must be given")


def test_classifications_are_not_deduplicated(api, alert):
    """§8 "post classification", "post the same classification again" (a second row) and
    "classifications of the source" (each with the author's vote)."""
    taxonomy_id = taxonomy(api, alert.group_id)["id"]
    body = {"obj_id": alert.obj_id, "classification": "SN Ia", "taxonomy_id": taxonomy_id, "probability": 0.8,
            "group_ids": [alert.group_id]}
    first = api.ok("POST", "/api/classification", body)["classification_id"]
    second = api.ok("POST", "/api/classification", body)["classification_id"]
    assert first != second
    reply = api.call("GET", f"/api/sources/{alert.obj_id}/classifications")
    assert reply.status == 200 and reply.headers["Etag"]
    assert [row["id"] for row in reply.data] == [first, second]
    row = reply.data[0]
    assert set(row) == CLASSIFICATION_KEYS
    assert (row["classification"], row["probability"], row["taxonomy_id"], row["ml"], row["edits"]) == (
        "SN Ia", 0.8, taxonomy_id, False, [])
    [vote] = row["votes"]
    assert (vote["vote"], vote["classification_id"], vote["voter_id"]) == (1, first, alert.admin_id)


def test_classification_errors(api, alert):
    """§8 "post classification, class not in taxonomy", "post classification, probability
    1.5", "post classification without taxonomy_id" (the bare key), "post classification,
    unknown taxonomy" and "post classification, unknown object": 400 "Error posting
    classification: ..."."""
    taxonomy_id = taxonomy(api, alert.group_id)["id"]
    body = {"obj_id": alert.obj_id, "classification": "SN Ia", "taxonomy_id": taxonomy_id, "probability": 0.8,
            "group_ids": [alert.group_id]}
    cases = [
        ({"classification": "Kilonova"}, f"That classification (Kilonova) is not in the allowed classes for the "
                                         f"chosen taxonomy (id={taxonomy_id}"),
        ({"probability": 1.5}, "That probability (1.5) is outside the allowable range (0-1)."),
        ({"taxonomy_id": None}, "'taxonomy_id'"),
        ({"taxonomy_id": 999999}, "Cannot find a taxonomy with ID: 999999."),
        ({"obj_id": "NoSuchObj999"}, "Cannot find object with ID NoSuchObj999."),
    ]
    for change, message in cases:
        sent = {**body, **change}
        if change == {"taxonomy_id": None}:
            del sent["taxonomy_id"]
        assert_error(api.call("POST", "/api/classification", sent), 400, FAILED + message)
    assert api.ok("GET", f"/api/sources/{alert.obj_id}/classifications") == []
