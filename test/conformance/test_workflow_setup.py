"""observed-exchanges-workflow: system info, enum types, telescopes,
instruments and groups (the calls a photometry workflow makes first)."""

import datetime
import re

import pytest
from plain_http import assert_error

from skyportal_client.testing.provision import unique_name

TELESCOPE_KEYS = {"lat", "nickname", "elevation", "diameter", "weather_link", "robotic", "id", "lon", "name",
                  "mpc_obscode", "skycam_link", "fixed_location", "modified", "created_at"}
INSTRUMENT_KEYS = {"type", "last_status_update", "has_fields", "api_classname", "has_region", "band",
                   "api_classname_obsplan", "region", "id", "telescope_id", "listener_classname", "modified",
                   "filters", "treasuremap_id", "created_at", "sensitivity_data", "tns_id", "name",
                   "configuration_data", "across_id"}
MEMBER_GROUP_KEYS = {"name", "nickname", "description", "private", "auto_accept_requests", "single_user_group",
                     "id", "modified", "created_at"}
ENUM_KEYS = {"ALLOWED_SPECTRUM_TYPES", "ALLOWED_MAGSYSTEMS", "ALLOWED_BANDPASSES", "THUMBNAIL_TYPES",
             "FOLLOWUP_PRIORITIES", "ALLOWED_API_CLASSNAMES", "ANALYSIS_TYPES", "ANALYSIS_INPUT_TYPES",
             "AUTHENTICATION_TYPES"}
ASTROPY_ISO = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$")
MISSING_INSTRUMENT_ID = 987654321


def _telescope_body(**fields):
    return {"name": unique_name("Obs"), "nickname": unique_name("obs"), "lat": 33.36, "lon": -116.86,
            "elevation": 1870.0, "diameter": 1.2, "robotic": True, "fixed_location": True, **fields}


@pytest.fixture
def telescope(api):
    """A telescope created as the recording's "create telescope" did."""
    body = _telescope_body()
    return {**body, "id": api.ok("POST", "/api/telescope", body)["id"]}


@pytest.fixture
def instrument(api, telescope):
    """An instrument created as the recording's "create instrument" did."""
    body = {"name": unique_name("Cam"), "type": "imager", "band": "optical", "telescope_id": telescope["id"],
            "filters": ["ztfg", "ztfr", "ztfi"]}
    return {**body, "id": api.ok("POST", "/api/instrument", body)["id"]}


def test_sysinfo(api):
    """observed-exchanges-workflow "sysinfo": 200 with an Etag, data holds only gitlog (a list)."""
    reply = api.call("GET", "/api/sysinfo")
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Etag"].startswith('"')
    assert set(reply.data) == {"gitlog"} and isinstance(reply.data["gitlog"], list)
    assert reply.json["version"] == "1.4.0"


def test_sysinfo_needs_no_token(api):
    """SkyPortal's SysInfoHandler has no auth decorator: no token is needed."""
    reply = api.call("GET", "/api/sysinfo", token=None)
    assert reply.status == 200 and set(reply.data) == {"gitlog"}


def test_enum_types(api, skyportal):
    """observed-exchanges-workflow "enum types": the nine lists, with the recorded first items."""
    data = api.ok("GET", "/api/enum_types")
    assert set(data) == ENUM_KEYS
    assert data["ALLOWED_SPECTRUM_TYPES"][:2] == ["source", "host"]
    assert set(data["ALLOWED_MAGSYSTEMS"]) == {"jla1", "ab", "vega", "bd17", "csp", "ab-b12"}
    assert data["ALLOWED_MAGSYSTEMS"][:2] == ["jla1", "ab"]
    assert data["ALLOWED_BANDPASSES"][:2] == ["bessellux", "bessellb"]
    assert {"ztfg", "ztfr", "ztfi", "sdssu"} <= set(data["ALLOWED_BANDPASSES"])
    assert data["THUMBNAIL_TYPES"][:2] == ["new", "ref"] and len(data["THUMBNAIL_TYPES"]) == 14
    assert data["FOLLOWUP_PRIORITIES"] == ["1", "2", "3", "4", "5"]
    assert data["ALLOWED_API_CLASSNAMES"][:2] == ["MMAAPI", "GENERICAPI"]
    assert data["ANALYSIS_TYPES"][:2] == ["lightcurve_fitting", "spectrum_fitting"]
    assert data["ANALYSIS_INPUT_TYPES"][:2] == ["photometry", "spectra"]
    assert data["AUTHENTICATION_TYPES"][:2] == ["none", "header_token"]
    if skyportal.embedded:  # the default configuration's counts, as recorded
        assert (len(data["ALLOWED_BANDPASSES"]), data["ALLOWED_BANDPASSES"][-1]) == (197, "sma-400GHz")
        assert len(data["ALLOWED_API_CLASSNAMES"]) == 37


def test_create_telescope(api):
    """observed-exchanges-workflow "create telescope": 200 with data {"id": int}."""
    reply = api.call("POST", "/api/telescope", _telescope_body())
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    assert set(reply.data) == {"id"} and isinstance(reply.data["id"], int)
    assert "Etag" not in reply.headers


def test_telescope_by_id(api, telescope):
    """observed-exchanges-workflow "telescope by id": the stored fields, instruments and allocations."""
    reply = api.call("GET", f"/api/telescope/{telescope['id']}")
    assert reply.status == 200 and reply.headers["Etag"]
    data = reply.data
    assert set(data) == TELESCOPE_KEYS | {"instruments", "allocations"}
    for key in ("id", "name", "nickname", "lat", "lon", "elevation", "diameter", "robotic", "fixed_location"):
        assert data[key] == telescope[key], key
    assert (data["weather_link"], data["skycam_link"], data["mpc_obscode"]) == (None, None, None)
    assert data["instruments"] == [] and data["allocations"] == []


def test_telescopes_by_name(api, telescope):
    """observed-exchanges-workflow "telescopes by name": a list of one, with
    the night's astronomical twilights (astropy ISO times within two days)."""
    [data] = api.ok("GET", f"/api/telescope?name={telescope['name']}")
    assert set(data) == TELESCOPE_KEYS | {"instruments", "allocations", "is_night_astronomical", "morning",
                                          "evening"}
    assert data["id"] == telescope["id"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    moments = {}
    for key in ("morning", "evening"):
        assert ASTROPY_ISO.match(data[key]), data[key]
        moments[key] = datetime.datetime.strptime(data[key], "%Y-%m-%d %H:%M:%S.%f")
        assert now - datetime.timedelta(minutes=5) < moments[key] < now + datetime.timedelta(days=2)
    assert data["is_night_astronomical"] is (moments["morning"] < moments["evening"])


def test_telescope_without_fixed_location_has_no_night(api):
    """SkyPortal's Telescope.current_time: no fixed location, no twilight times (False)."""
    body = _telescope_body(fixed_location=False)
    api.ok("POST", "/api/telescope", body)
    [data] = api.ok("GET", f"/api/telescope?name={body['name']}")
    assert (data["is_night_astronomical"], data["morning"], data["evening"]) == (False, False, False)


def test_telescope_body_is_validated(api):
    """SkyPortal's TelescopePostBody (pydantic): missing and unknown keys are
    400 "Invalid/missing parameters: ..."; a fixed telescope needs its position."""
    reply = api.call("POST", "/api/telescope", {"name": unique_name("Obs"), "diameter": 1.0, "colour": "red"})
    assert_error(reply, 400, "Invalid/missing parameters: nickname: Field required; "
                             "colour: Extra inputs are not permitted")
    reply = api.call("POST", "/api/telescope", _telescope_body(elevation=None))
    assert_error(reply, 400, "Missing latitude, longitude, or elevation; required if the telescope is fixed")


def test_create_instrument(api, telescope):
    """observed-exchanges-workflow "create instrument": 200 with data {"id": int}."""
    reply = api.call("POST", "/api/instrument", {
        "name": unique_name("Cam"), "type": "imager", "band": "optical", "telescope_id": telescope["id"],
        "filters": ["ztfg", "ztfr", "ztfi"]})
    assert reply.status == 200 and set(reply.data) == {"id"} and isinstance(reply.data["id"], int)


def test_instrument_by_id(api, instrument, telescope):
    """observed-exchanges-workflow "instrument by id": the instrument's columns plus status and log_exists."""
    reply = api.call("GET", f"/api/instrument/{instrument['id']}")
    assert reply.status == 200 and reply.headers["Etag"]
    data = reply.data
    assert set(data) == INSTRUMENT_KEYS | {"status", "log_exists"}
    assert (data["id"], data["name"], data["type"], data["band"]) == (
        instrument["id"], instrument["name"], "imager", "optical")
    assert data["telescope_id"] == telescope["id"] and data["filters"] == ["ztfg", "ztfr", "ztfi"]
    assert (data["has_fields"], data["has_region"], data["region"], data["log_exists"]) == (False, False, None, False)


def test_instruments_by_name(api, instrument, telescope):
    """observed-exchanges-workflow "instruments by name": a list of one, with its telescope inlined."""
    [data] = api.ok("GET", f"/api/instrument?name={instrument['name']}")
    assert set(data) == INSTRUMENT_KEYS | {"telescope", "number_of_fields", "region_summary", "log_exists"}
    assert data["id"] == instrument["id"]
    assert set(data["telescope"]) == TELESCOPE_KEYS and data["telescope"]["id"] == telescope["id"]
    assert (data["number_of_fields"], data["region_summary"], data["log_exists"]) == (0, "", False)


def test_instruments_by_unknown_name(api):
    """observed-exchanges-workflow "instruments by unknown name": 200 with an empty list."""
    reply = api.call("GET", f"/api/instrument?name={unique_name('NoSuch')}")
    assert reply.status == 200 and reply.data == [] and reply.headers["Etag"]


def test_instrument_missing(api):
    """observed-exchanges-workflow "instrument missing": 400 "No instrument with ID: <id>"."""
    reply = api.call("GET", f"/api/instrument/{MISSING_INSTRUMENT_ID}")
    assert_error(reply, 400, f"No instrument with ID: {MISSING_INSTRUMENT_ID}")
    assert "Etag" not in reply.headers


def test_instrument_name_taken_on_the_same_telescope(api, instrument):
    """SkyPortal's InstrumentHandler.post: a name already on that telescope -> 400."""
    reply = api.call("POST", "/api/instrument", {"name": instrument["name"], "type": "imager",
                                                 "telescope_id": instrument["telescope_id"]})
    assert_error(reply, 400, f"Instrument with name {instrument['name']} already exists for telescope "
                             f"{instrument['telescope_id']}")


def test_instrument_on_unknown_telescope(api):
    """SkyPortal's InstrumentHandler.post: the telescope must exist; telescope_id must parse as an int."""
    assert_error(api.call("POST", "/api/instrument", {"name": unique_name("Cam"), "type": "imager",
                                                      "telescope_id": "x"}), 400, "Invalid telescope_id: x")
    assert_error(api.call("POST", "/api/instrument", {"name": unique_name("Cam"), "type": "imager"}), 400,
                 "No telescope with id None")


def test_groups(api, setup):
    """observed-exchanges-workflow "groups": user_groups, user_accessible_groups
    and all_groups, each sorted by name; the listed ones leave out single-user
    groups and carry streams; a super admin can access every listed group."""
    reply = api.call("GET", "/api/groups")
    assert reply.status == 200 and reply.headers["Etag"]
    data = reply.data
    assert set(data) == {"user_groups", "user_accessible_groups", "all_groups"}
    for groups in data.values():
        names = [group["name"].lower() for group in groups]
        assert names == sorted(names)
    assert any(group["single_user_group"] for group in data["user_groups"])
    for group in data["user_groups"]:
        assert MEMBER_GROUP_KEYS <= set(group) <= MEMBER_GROUP_KEYS | {"streams"}
    for key in ("user_accessible_groups", "all_groups"):
        for group in data[key]:
            assert set(group) == MEMBER_GROUP_KEYS | {"streams"} and group["single_user_group"] is False
    all_ids = {group["id"] for group in data["all_groups"]}
    assert setup.group_id in all_ids
    assert {group["id"] for group in data["user_accessible_groups"]} == all_ids


def test_a_group_made_with_a_token_has_no_members(api):
    """SkyPortal's GroupHandler.post adds the creator only for a browser
    session: a group created with a token is not among the user's groups."""
    group_id = api.ok("POST", "/api/groups", {"name": unique_name("tokgroup")})["id"]
    data = api.ok("GET", "/api/groups")
    assert group_id not in {group["id"] for group in data["user_groups"]}
    assert group_id in {group["id"] for group in data["all_groups"]}
    assert api.ok("GET", f"/api/groups/{group_id}")["users"] == []
