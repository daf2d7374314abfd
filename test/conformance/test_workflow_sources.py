"""observed-exchanges-workflow: sources (objects saved to groups) and
/api/source_exists.  Every object here has a fresh id and its own random
position, so no query reaches another test's, or anyone else's, sources."""

import pytest
from plain_http import assert_error

from skyportal_client.testing import sky
from skyportal_client.testing.provision import random_position, unique_name

OBJ_KEYS = {"offset", "summary_history", "mpc_name", "dec", "t0", "altdata", "tns_name", "detect_photometry_count",
            "redshift", "dist_nearest_source", "tns_info", "ra", "ra_dis", "redshift_error", "mag_nearest_source",
            "score", "redshift_origin", "summary", "e_mag_nearest_source", "origin", "modified", "dec_dis",
            "redshift_history", "transient", "alias", "ra_err", "host_id", "varstar", "id", "dec_err", "is_roid",
            "healpix", "created_at", "internal_key"}
SOURCE_KEYS = OBJ_KEYS | {"followup_requests", "galaxies", "duplicates", "assignments", "annotations",
                          "classifications", "gal_lat", "gal_lon", "luminosity_distance", "dm",
                          "angular_diameter_distance", "ebv", "tags", "groups", "associated_objs"}
LISTED_SOURCE_KEYS = OBJ_KEYS | {"groups", "gal_lon", "gal_lat", "luminosity_distance", "dm",
                                 "angular_diameter_distance", "classifications", "annotations", "tags"}
SAVED_GROUP_KEYS = {"name", "nickname", "description", "private", "auto_accept_requests", "single_user_group", "id",
                    "modified", "created_at", "active", "requested", "saved_at", "saved_by"}
USER_KEYS = {"username", "first_name", "last_name", "bio", "affiliations", "contact_email", "contact_phone",
             "oauth_uid", "is_bot", "expiration_date", "id", "modified", "created_at"}
# The recording's position and what the real server computed for it.
RECORDED_RA, RECORDED_DEC = 150.1, 2.2
RECORDED_HEALPIX = 1918129809776324852
RECORDED_GALACTIC = (236.81366468125702, 42.10264795597322)
RECORDED_LIST_GALACTIC = (-123.18634563877465, 42.1026457490602)


def new_obj_id():
    return unique_name("ZTF26wf").replace("-", "")


@pytest.fixture
def source(api, setup):
    """A source created as the recording's "create source" did, at a position of its own."""
    ra, dec = random_position()
    obj_id = new_obj_id()
    api.ok("POST", "/api/sources", {"id": obj_id, "ra": ra, "dec": dec, "group_ids": [setup.group_id]})
    return {"id": obj_id, "ra": ra, "dec": dec}


def test_source_exists_missing_is_a_bare_404(api):
    """observed-exchanges-workflow "source exists? (missing)": HEAD -> 404, text/html, no body."""
    reply = api.call("HEAD", f"/api/sources/{new_obj_id()}")
    assert reply.status == 404 and reply.raw == b""
    assert reply.headers["Content-Type"] == "text/html; charset=UTF-8"


def test_source_missing(api):
    """observed-exchanges-workflow "source missing": GET -> 404 "Source not found"."""
    assert_error(api.call("GET", f"/api/sources/{new_obj_id()}"), 404, "Source not found")


def test_create_source(api, setup):
    """observed-exchanges-workflow "create source": 200 with the id and saved_to_groups."""
    obj_id = new_obj_id()
    ra, dec = random_position()
    reply = api.call("POST", "/api/sources", {"id": obj_id, "ra": ra, "dec": dec, "group_ids": [setup.group_id]})
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.data == {"id": obj_id, "saved_to_groups": [setup.group_id]}


def test_create_source_again(api, setup, source):
    """observed-exchanges-workflow "create source again": the same POST is 200
    again, and a repeat with another position does not move the object."""
    body = {"id": source["id"], "ra": source["ra"], "dec": source["dec"], "group_ids": [setup.group_id]}
    assert api.ok("POST", "/api/sources", body) == {"id": source["id"], "saved_to_groups": [setup.group_id]}
    api.ok("POST", "/api/sources", {**body, "ra": (source["ra"] + 1) % 360})
    assert api.ok("GET", f"/api/sources/{source['id']}")["ra"] == source["ra"]


def test_source_exists_present(api, source):
    """observed-exchanges-workflow "source exists? (present)": HEAD -> 200, JSON, with an Etag."""
    reply = api.call("HEAD", f"/api/sources/{source['id']}")
    assert reply.status == 200 and reply.raw == b""
    assert reply.headers["Content-Type"] == "application/json" and reply.headers["Etag"]


def test_source(api, setup, source):
    """observed-exchanges-workflow "source": the object's columns, the groups
    it is saved to (with who saved it), galactic coordinates and HEALPix index."""
    reply = api.call("GET", f"/api/sources/{source['id']}")
    assert reply.status == 200 and reply.headers["Etag"]
    data = reply.data
    assert set(data) == SOURCE_KEYS
    assert (data["id"], data["ra"], data["dec"]) == (source["id"], source["ra"], source["dec"])
    assert (data["offset"], data["transient"], data["varstar"], data["is_roid"]) == (0.0, False, False, False)
    assert data["healpix"] == sky.healpix_index(source["ra"], source["dec"])
    lon, lat = sky.galactic(source["ra"], source["dec"])
    assert abs(data["gal_lon"] - lon) < 1e-9 and abs(data["gal_lat"] - lat) < 1e-9
    assert data["duplicates"] == [] and data["tags"] == [] and data["associated_objs"] == []
    [group] = data["groups"]
    assert set(group) == SAVED_GROUP_KEYS and group["id"] == setup.group_id
    assert (group["active"], group["requested"]) == (True, False)
    assert set(group["saved_by"]) == USER_KEYS


def test_source_at_the_recorded_position(api, setup):
    """observed-exchanges-workflow "source": at ra 150.1, dec 2.2 the real server
    gave this HEALPix index and these galactic coordinates (the list's differ slightly)."""
    obj_id = new_obj_id()
    api.ok("POST", "/api/sources", {"id": obj_id, "ra": RECORDED_RA, "dec": RECORDED_DEC,
                                    "group_ids": [setup.group_id]})
    data = api.ok("GET", f"/api/sources/{obj_id}")
    assert data["healpix"] == RECORDED_HEALPIX
    assert abs(data["gal_lon"] - RECORDED_GALACTIC[0]) < 1e-9 and abs(data["gal_lat"] - RECORDED_GALACTIC[1]) < 1e-9
    [listed] = api.ok("GET", f"/api/sources?sourceID={obj_id}")["sources"]
    assert abs(listed["gal_lon"] - RECORDED_LIST_GALACTIC[0]) < 1e-9
    assert abs(listed["gal_lat"] - RECORDED_LIST_GALACTIC[1]) < 1e-9


def test_duplicates_are_objects_within_four_arcseconds(api, setup, source):
    """SkyPortal's get_source: "duplicates" lists other objects within 4 arcsec, nearest first."""
    near = new_obj_id()
    api.ok("POST", "/api/sources", {"id": near, "ra": source["ra"], "dec": source["dec"] + 2 / 3600,
                                    "group_ids": [setup.group_id]})
    [duplicate] = api.ok("GET", f"/api/sources/{source['id']}")["duplicates"]
    assert (duplicate["obj_id"], duplicate["ra"]) == (near, source["ra"])
    assert abs(duplicate["separation"] - 2.0) < 1e-6


def test_create_source_without_ra(api):
    """observed-exchanges-workflow "create source without ra": 400 naming RA/Declination."""
    reply = api.call("POST", "/api/sources", {"id": new_obj_id()})
    assert_error(reply, 400, "Failed to post source: RA/Declination must not be null for a new Obj")


def test_create_source_with_bad_input(api, setup):
    """SkyPortal's post_source: odd ids, unknown keys and bad group ids are
    400 "Failed to post source: ...", and nothing is created."""
    ra, dec = random_position()
    obj_id = new_obj_id()
    cases = [
        ({"id": "has space", "ra": ra, "dec": dec}, "No spaces allowed in source ID"),
        ({"id": "slash/id", "ra": ra, "dec": dec}, "Only letters, numbers, underscores, semicolons, colons, +, -, "
                                                  "and periods are allowed in source ID"),
        ({"id": obj_id, "ra": ra, "dec": dec, "colour": "red"},
         "Invalid/missing parameters: {'colour': ['Unknown field.']}"),
        ({"id": obj_id, "ra": "east", "dec": dec}, "Invalid/missing parameters: {'ra': ['Not a valid number.']}"),
        ({"id": obj_id, "ra": ra, "dec": dec, "group_ids": []},
         "Invalid group_ids field. Please specify at least one valid group ID that you belong to."),
        ({"id": obj_id, "ra": ra, "dec": dec, "group_ids": ["x"]}, "invalid literal for int() with base 10: 'x'"),
        ({"ra": ra, "dec": dec}, "'id'"),
    ]
    for body, reason in cases:
        assert_error(api.call("POST", "/api/sources", body), 400, f"Failed to post source: {reason}")
    assert_error(api.call("GET", f"/api/sources/{obj_id}"), 404, "Source not found")


def test_sources_list_one_page(api, setup, source):
    """observed-exchanges-workflow "sources list, one page": totalMatches,
    sources, pageNumber and numPerPage for the object's own id."""
    reply = api.call("GET", f"/api/sources?sourceID={source['id']}&numPerPage=10&pageNumber=1")
    assert reply.status == 200 and reply.headers["Etag"]
    data = reply.data
    assert set(data) == {"totalMatches", "sources", "pageNumber", "numPerPage"}
    assert (data["totalMatches"], data["pageNumber"], data["numPerPage"]) == (1, 1, 10)
    [listed] = data["sources"]
    assert set(listed) == LISTED_SOURCE_KEYS and listed["id"] == source["id"]
    lon, lat = sky.galactic_for_source_list(source["ra"], source["dec"])
    assert abs(listed["gal_lon"] - lon) < 1e-9 and abs(listed["gal_lat"] - lat) < 1e-9
    [group] = listed["groups"]
    assert set(group) == SAVED_GROUP_KEYS and group["id"] == setup.group_id


def test_sources_list_pages(api, setup):
    """SkyPortal's get_sources: sourceID matches part of the id; pages hold
    numPerPage sources, the most recently saved first."""
    prefix = new_obj_id()
    created = []
    for index in range(3):
        ra, dec = random_position()
        created.append(api.ok("POST", "/api/sources", {"id": f"{prefix}x{index}", "ra": ra, "dec": dec,
                                                       "group_ids": [setup.group_id]})["id"])
    first = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=2&pageNumber=1")
    second = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=2&pageNumber=2")
    assert (first["totalMatches"], second["totalMatches"]) == (3, 3)
    assert [item["id"] for item in first["sources"] + second["sources"]] == created[::-1]


def test_sources_list_refuses_bad_pages(api, source):
    """SkyPortal's get_page_and_n_per_page: page and size must be positive
    integers; numPerPage is capped at 500."""
    scoped = f"/api/sources?sourceID={source['id']}"
    assert_error(api.call("GET", f"{scoped}&pageNumber=0"), 400, "Page number must be greater than 0.")
    assert_error(api.call("GET", f"{scoped}&numPerPage=many"), 400, "Invalid numPerPage value.")
    assert api.ok("GET", f"{scoped}&numPerPage=100000")["numPerPage"] == 500


def test_delete_source(api, source):
    """observed-exchanges-workflow "delete source": without group_id -> 400."""
    assert_error(api.call("DELETE", f"/api/sources/{source['id']}"), 400, "Missing required parameter `group_id`")


def test_delete_source_from_a_group(api, setup, source):
    """SkyPortal's SourceHandler.delete: group_id (in the JSON body) unsaves
    the source from that group only; the object stays readable, HEAD still
    finds its (inactive) source row, and the list no longer shows it."""
    assert api.ok("DELETE", f"/api/sources/{source['id']}", {"group_id": setup.group_id}) == {}
    data = api.ok("GET", f"/api/sources/{source['id']}")
    assert data["groups"] == []
    assert api.call("HEAD", f"/api/sources/{source['id']}").status == 200
    assert api.ok("GET", f"/api/sources?sourceID={source['id']}")["totalMatches"] == 0
    api.ok("POST", "/api/sources", {"id": source["id"], "group_ids": [setup.group_id]})
    assert [group["id"] for group in api.ok("GET", f"/api/sources/{source['id']}")["groups"]] == [setup.group_id]


def test_delete_source_refusals(api, source):
    """SkyPortal's SourceHandler.delete: group_id compared as given (a string
    is not an accessible id); a group the source is not saved to -> 400."""
    assert_error(api.call("DELETE", f"/api/sources/{source['id']}", {"group_id": "1"}), 400, "Inadequate permissions.")
    other = api.ok("POST", "/api/groups", {"name": unique_name("other-group")})["id"]
    assert_error(api.call("DELETE", f"/api/sources/{source['id']}", {"group_id": other}), 400,
                 f"No such source {source['id']} in group {other}.")


def test_source_exists_by_name_and_by_position(api, setup, source):
    """observed-exchanges-workflow "source exists? by name and by position": by name, true or
    false with a message; by position, the names of the sources within the radius."""
    name = source["id"]
    assert api.ok("GET", f"/api/source_exists/{name}") == {
        "source_exists": True, "message": f"A source with the name {name} already exists."}
    missing = new_obj_id()
    assert api.ok("GET", f"/api/source_exists/{missing}") == {
        "source_exists": False, "message": f"No sources exist with the name {missing}."}
    near = f"ra={source['ra']}&dec={source['dec']}&radius=0.001"
    assert api.ok("GET", f"/api/source_exists?{near}") == {
        "source_exists": True, "message": f"A source at that location already exists: {name}."}
    twin = new_obj_id()
    api.ok("POST", "/api/sources", {"id": twin, "ra": source["ra"], "dec": source["dec"], "group_ids": [setup.group_id]})
    data = api.ok("GET", f"/api/source_exists?{near}")
    prefix = "Sources at that location already exist: "
    assert data["source_exists"] is True and data["message"].startswith(prefix)
    assert set(data["message"][len(prefix):-1].split(",")) == {name, twin}  # the order comes from a set


def test_source_exists_nowhere(api):
    """SkyPortal's SourceExistsHandler: no source near the position -> false;
    neither a name nor a complete position -> 400."""
    ra, dec = random_position()
    assert api.ok("GET", f"/api/source_exists?ra={ra}&dec={dec}&radius=0.0001") == {
        "source_exists": False, "message": "No sources exist at this location."}
    assert_error(api.call("GET", f"/api/source_exists?ra={ra}&dec={dec}"), 400,
                 "Provide an obj_id, or either ra, dec, and radius for spatial filtering.")
