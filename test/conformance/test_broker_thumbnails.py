"""observed-exchanges-broker §6 (thumbnails) and the rule "thumbnails"."""

import base64
import hashlib

import alerts
from plain_http import assert_error

THUMBNAIL_KEYS = {"origin", "type", "file_uri", "obj_id", "id", "created_at", "public_url", "survey",
                  "is_grayscale", "modified"}
FAILED = "Thumbnail failed to post: "
SIZE = FAILED + "Invalid thumbnail size. Only thumbnails between (16, 16) and (500, 500) allowed."


def encoded(image):
    return base64.b64encode(image).decode()


def post(api, obj_id, ttype, image, **fields):
    return api.ok("POST", "/api/thumbnail", {"obj_id": obj_id, "data": encoded(image), "ttype": ttype,
                                             **fields})["id"]


def expected_url(obj_id, ttype):
    digest = hashlib.sha256(obj_id.encode()).hexdigest()
    return f"/static/thumbnails/{digest[:2]}/{digest[2:4]}/{obj_id}_{ttype}.png"


def test_a_second_thumbnail_of_a_type_is_a_new_row(api, alert):
    """§6 "post thumbnail (new)", "post thumbnail (new) again, another image", "post
    thumbnail (ref)", "post thumbnail (sub) with survey", "thumbnail by id" and "thumbnail by
    id (second 'new')" (one file), and "candidate's thumbnails (in GET /api/candidates/{obj_id})"."""
    first = post(api, alert.obj_id, "new", alerts.png(20, 20, 10))
    second = post(api, alert.obj_id, "new", alerts.png(20, 20, 200))
    ref = post(api, alert.obj_id, "ref", alerts.png(20, 20))
    sub = post(api, alert.obj_id, "sub", alerts.png(20, 20), survey="ZTF")
    assert len({first, second, ref, sub}) == 4
    rows = {}
    for thumbnail_id in (first, second, ref, sub):
        reply = api.call("GET", f"/api/thumbnail/{thumbnail_id}")
        assert reply.status == 200 and reply.headers["Etag"]
        rows[thumbnail_id] = reply.data
        assert set(reply.data) == THUMBNAIL_KEYS and reply.data["obj_id"] == alert.obj_id
    assert rows[first]["public_url"] == rows[second]["public_url"] == expected_url(alert.obj_id, "new")
    assert rows[first]["file_uri"] == rows[second]["file_uri"]
    assert rows[first]["file_uri"].endswith(expected_url(alert.obj_id, "new"))
    assert (rows[first]["type"], rows[first]["survey"], rows[first]["is_grayscale"]) == ("new", None, True)
    assert (rows[sub]["type"], rows[sub]["survey"]) == ("sub", "ZTF")
    assert rows[ref]["public_url"] == expected_url(alert.obj_id, "ref")
    listed = api.ok("GET", f"/api/candidates/{alert.obj_id}")["thumbnails"]
    assert [(row["id"], row["type"]) for row in listed] == [(first, "new"), (second, "new"), (ref, "ref"),
                                                            (sub, "sub")]


def test_the_file_holds_the_latest_image(api, alert):
    """Rule "thumbnails": both rows point at one file, which the second post overwrote."""
    post(api, alert.obj_id, "new", alerts.png(20, 20, 10))
    latest = alerts.png(24, 24, 200)
    post(api, alert.obj_id, "new", latest)
    reply = api.call("GET", expected_url(alert.obj_id, "new"))
    assert reply.status == 200 and reply.raw == latest


def test_thumbnail_missing(api):
    """§6 "thumbnail missing": 400 "Cannot find Thumbnail with ID: N"."""
    assert_error(api.call("GET", "/api/thumbnail/999999"), 400, "Cannot find Thumbnail with ID: 999999")


def test_unknown_ttype(api, alert):
    """§6 "post thumbnail, unknown ttype": the enum's refusal with the SQL text."""
    reply = api.call("POST", "/api/thumbnail", {"obj_id": alert.obj_id, "data": encoded(alerts.png(20, 20)),
                                                "ttype": "difference"})
    assert_error(reply, 400)
    assert reply.message.startswith(
        FAILED + "Invalid ttype: (builtins.LookupError) 'difference' is not among the defined enum values. Enum "
        "name: thumbnail_types. Possible values: new, ref, sub, ..., sub_gz\n[SQL: INSERT INTO thumbnails")


def test_only_png_images_of_16_to_500_pixels(api, alert):
    """§6 "post thumbnail, JPEG", "post thumbnail, not base64", "post thumbnail, base64 of
    text", "post thumbnail, PNG too small (8x8)" and "post thumbnail, PNG too large
    (501x20)": 400 "Thumbnail failed to post: <exception text>"."""
    def refused(data):
        return api.call("POST", "/api/thumbnail", {"obj_id": alert.obj_id, "data": data, "ttype": "new"})
    assert_error(refused(alerts.JPEG_BASE64), 400, FAILED + "Invalid thumbnail image type. Only PNG are supported.")
    assert_error(refused("this is not base64!"), 400, FAILED + "Incorrect padding")
    reply = refused("aGVsbG8gd29ybGQsIG5vdCBhbiBpbWFnZQ==")
    assert_error(reply, 400)
    assert reply.message.startswith(FAILED + "Invalid file type: cannot identify image file <_io.BytesIO object at ")
    assert_error(refused(encoded(alerts.png(8, 8))), 400, SIZE)
    assert_error(refused(encoded(alerts.png(501, 20))), 400, SIZE)
    assert api.ok("GET", f"/api/candidates/{alert.obj_id}")["thumbnails"] == []


def test_thumbnail_body_errors(api, alert):
    """§6 "post thumbnail, unknown object", "post thumbnail without ttype" and "post
    thumbnail with key 'thumbnail_type' instead of 'ttype'"."""
    data = encoded(alerts.png(20, 20))
    assert_error(api.call("POST", "/api/thumbnail", {"obj_id": "NoSuchObj999", "data": data, "ttype": "new"}), 400,
                 FAILED + "Invalid obj_id: NoSuchObj999")
    assert_error(api.call("POST", "/api/thumbnail", {"obj_id": alert.obj_id, "data": data}), 400,
                 "Invalid/missing parameters: ttype: Field required")
    assert_error(api.call("POST", "/api/thumbnail", {"obj_id": alert.obj_id, "data": data, "thumbnail_type": "new"}),
                 400, "Invalid/missing parameters: ttype: Field required; thumbnail_type: Extra inputs are not "
                      "permitted")


def test_delete_thumbnail(api, alert):
    """§6 "delete thumbnail" and "delete thumbnail again" (400)."""
    thumbnail_id = post(api, alert.obj_id, "new", alerts.png(20, 20))
    assert api.ok("DELETE", f"/api/thumbnail/{thumbnail_id}") == {}
    assert_error(api.call("DELETE", f"/api/thumbnail/{thumbnail_id}"), 400,
                 f"Cannot find Thumbnail with ID: {thumbnail_id}")


def test_deleting_one_row_of_a_type_deletes_the_shared_file(api, alert):
    """Rule "thumbnails" with §6 "delete thumbnail": the rows of a type share one file, and
    deleting a row deletes that file from disk, so the other row's public_url is gone too."""
    first = post(api, alert.obj_id, "new", alerts.png(20, 20, 10))
    second = post(api, alert.obj_id, "new", alerts.png(20, 20, 200))
    assert api.call("GET", expected_url(alert.obj_id, "new")).status == 200
    api.ok("DELETE", f"/api/thumbnail/{first}")
    assert api.ok("GET", f"/api/thumbnail/{second}")["public_url"] == expected_url(alert.obj_id, "new")
    assert api.call("GET", expected_url(alert.obj_id, "new")).status == 404
