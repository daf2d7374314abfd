"""observed-exchanges §7 (DELETE /api/photometry/{id}) and §8 (bulk delete)."""

from plain_http import assert_error


def test_delete_point_then_again(api, uploads):
    """observed-exchanges §7: DELETE -> 200 data {}; again -> 400 Cannot find."""
    point_id = uploads.post(uploads.mag_body())["ids"][0]
    reply = api.call("DELETE", f"/api/photometry/{point_id}")
    assert reply.status == 200 and reply.data == {}
    assert point_id not in {point["id"] for point in uploads.points()}
    assert_error(api.call("DELETE", f"/api/photometry/{point_id}"), 400,
                 f"Cannot find photometry point with ID: {point_id}.")


def test_delete_non_numeric_id_is_405(api):
    """observed-exchanges §7: DELETE /api/photometry/abc -> 405."""
    assert_error(api.call("DELETE", "/api/photometry/abc"), 405, "HTTP 405: Method Not Allowed")


def test_delete_without_id_is_500(api):
    """observed-exchanges §7: DELETE /api/photometry -> 500 TypeError text."""
    assert_error(api.call("DELETE", "/api/photometry"), 500,
                 "PhotometryHandler.delete() missing 1 required positional argument: 'photometry_id'")


def test_deleted_ids_are_not_reused(api, uploads):
    """skyportal-photometry-api §1.1: ids are sequence values, never handed out twice."""
    [first] = uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0.1))["ids"]
    api.ok("DELETE", f"/api/photometry/{first}")
    [second] = uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0.1))["ids"]
    assert second > first


def test_bulk_delete(api, uploads):
    """observed-exchanges §8: data is the string "Deleted 3 photometry point(s)."; again -> 400."""
    upload_id = uploads.post(uploads.mag_body())["upload_id"]
    assert api.ok("DELETE", f"/api/photometry/bulk_delete/{upload_id}") == "Deleted 3 photometry point(s)."
    assert uploads.points() == []
    assert_error(api.call("DELETE", f"/api/photometry/bulk_delete/{upload_id}"), 400, "Invalid bulk upload id.")


def test_bulk_delete_unknown_upload(api):
    """observed-exchanges §8: any unknown upload id -> 400 Invalid bulk upload id."""
    assert_error(api.call("DELETE", "/api/photometry/bulk_delete/not-a-real-upload-id"), 400,
                 "Invalid bulk upload id.")
