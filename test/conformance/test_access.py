"""skyportal-photometry-api §1.2: row-level access through groups, for a
second, ordinary user (embedded only: it needs a new user and token)."""

import pytest
from plain_http import assert_error


@pytest.fixture
def other_token(skyportal_server):
    return skyportal_server.create_token(acls=["Upload data"])


def test_private_points_are_invisible_to_others(api, uploads, other_token):
    """A point shared with no group of the reader reads as not found, and the
    range query leaves it out; the object is unreadable (403)."""
    point_id = uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0.1))["ids"][0]
    assert_error(api.call("GET", f"/api/photometry/{point_id}", token=other_token), 400,
                 f"Cannot find photometry point with ID: {point_id}.")
    everything = api.ok("GET", "/api/photometry/range", {"instrument_ids": [uploads.setup.instrument_id]},
                        token=other_token)
    assert point_id not in {point["id"] for point in everything}
    obj_id = uploads.setup.obj_id
    assert_error(api.call("GET", f"/api/sources/{obj_id}/photometry", token=other_token), 403,
                 f"Insufficient permissions for User <token> to read Obj {obj_id}", hide=other_token)


def test_public_points_are_visible_but_not_deletable(api, uploads, other_token):
    """group_ids "all" shares with every user; only the owner (or an admin) may delete."""
    point_id = uploads.post(uploads.body(mjd=59400.0, mag=19.0, magerr=0.1, group_ids="all"))["ids"][0]
    assert api.ok("GET", f"/api/photometry/{point_id}", token=other_token)["id"] == point_id
    assert_error(api.call("DELETE", f"/api/photometry/{point_id}", token=other_token), 400,
                 f"You do not have permission to delete photometry point {point_id}. "
                 "You must be its owner or have the 'Manage photometry' permission.")


def test_uploader_owns_and_deletes_its_points(api, uploads, other_token):
    """A token with "Upload data" can upload to its single-user group and delete its own points."""
    point_id = api.ok("POST", "/api/photometry", uploads.body(mjd=59400.0, mag=19.0, magerr=0.1),
                      token=other_token)["ids"][0]
    groups = api.ok("GET", f"/api/photometry/{point_id}", token=other_token)["groups"]
    assert [group["single_user_group"] for group in groups] == [True]
    assert api.ok("DELETE", f"/api/photometry/{point_id}", token=other_token) == {}
