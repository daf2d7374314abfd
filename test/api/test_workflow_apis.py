"""The calls around an upload (sources, instruments, telescopes, groups, system info) against the server.

Each runs against the embedded server and, with SKYPORTAL_TEST_URL and SKYPORTAL_TEST_TOKEN set, a real
SkyPortal. A test that creates or deletes something is skipped, with the server's reason, when a
real server's token may not do it.
"""

import contextlib
import pathlib
import re
import uuid

import pytest

import skyportal_client
from skyportal_client.api import (
    groups_api,
    instruments_api,
    sources_api,
    system_info_api,
    telescopes_api,
)
from skyportal_client.model.group import Group
from skyportal_client.model.instrument import Instrument
from skyportal_client.model.new_instrument import NewInstrument
from skyportal_client.model.new_source import NewSource
from skyportal_client.model.new_telescope import NewTelescope
from skyportal_client.model.source import Source
from skyportal_client.model.source_deletion import SourceDeletion
from skyportal_client.model.telescope import Telescope
from skyportal_client.testing.provision import FILTERS, random_position

# No instrument or telescope has this id on a test server (SkyPortal's ids are 32-bit).
MISSING_ID = 2**31 - 1


@pytest.fixture
def sources(api_client):
    return sources_api.SourcesApi(api_client)


@pytest.fixture
def instruments(api_client):
    return instruments_api.InstrumentsApi(api_client)


@pytest.fixture
def telescopes(api_client):
    return telescopes_api.TelescopesApi(api_client)


@pytest.fixture
def system_info(api_client):
    return system_info_api.SystemInfoApi(api_client)


def fresh_obj_id(prefix="ZTFwf"):
    return prefix + uuid.uuid4().hex[:10]


# -- sources -------------------------------------------------------------------------------------


def test_a_new_source_is_created_saved_and_read_back(sources, skyportal_provisioned, permitted):
    obj_id, (ra, dec) = fresh_obj_id(), random_position()
    with permitted("create sources"):
        saved = sources.api_sources_post(new_source=NewSource(
            id=obj_id, ra=ra, dec=dec, group_ids=[skyportal_provisioned.group_id]))
    assert (saved.status, saved.data.id, saved.data.saved_to_groups) == ("success", obj_id,
                                                                         [skyportal_provisioned.group_id])
    assert sources.api_sources_obj_id_head(obj_id) is None
    source = sources.api_sources_obj_id_get(obj_id).data
    assert isinstance(source, Source)
    assert (source.id, source.ra, source.dec) == (obj_id, ra, dec)
    assert all(isinstance(group, Group) for group in source.groups)
    assert skyportal_provisioned.group_id in [group.id for group in source.groups]


def test_posting_a_source_again_changes_nothing(sources, skyportal_provisioned, permitted):
    body = {"id": fresh_obj_id(), "ra": 150.1, "dec": 2.2, "group_ids": [skyportal_provisioned.group_id]}
    with permitted("create sources"):
        first = sources.api_sources_post(new_source=body)
    second = sources.api_sources_post(new_source=dict(body, ra=10.0, dec=-5.0))
    assert first.to_dict()["data"] == second.to_dict()["data"] == {
        "id": body["id"], "saved_to_groups": [skyportal_provisioned.group_id]}
    assert sources.api_sources_obj_id_get(body["id"]).data.ra == 150.1


def test_a_new_source_without_a_position_is_refused_by_the_server(sources, skyportal_provisioned, permitted):
    with permitted("create sources"), pytest.raises(skyportal_client.BadRequestException) as refused:
        sources.api_sources_post(new_source=NewSource(id=fresh_obj_id(), group_ids=[skyportal_provisioned.group_id]))
    assert refused.value.message == "Failed to post source: RA/Declination must not be null for a new Obj"


def test_a_missing_source_is_not_found(sources):
    obj_id = fresh_obj_id("nosuch")
    with pytest.raises(skyportal_client.NotFoundException) as missing:
        sources.api_sources_obj_id_get(obj_id)
    assert missing.value.message == "Source not found"
    with pytest.raises(skyportal_client.NotFoundException) as missing:
        sources.api_sources_obj_id_head(obj_id)
    assert (missing.value.status, missing.value.method) == (404, "HEAD")


def test_a_head_leaves_its_connection_ready_for_the_next_request(skyportal, skyportal_provisioned):
    """With one connection and no retries, a POST right after a HEAD (answered 404 or 200) goes out on it."""
    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, rate_limit=None,
                                                   retries=0, connection_pool_maxsize=1)
    saved_again = NewSource(id=skyportal_provisioned.obj_id, group_ids=[skyportal_provisioned.group_id])
    with skyportal_client.ApiClient(configuration) as client:
        sources = sources_api.SourcesApi(client)
        for obj_id in (fresh_obj_id("nosuch"), skyportal_provisioned.obj_id):
            with contextlib.suppress(skyportal_client.NotFoundException):
                sources.api_sources_obj_id_head(obj_id)
            assert sources.api_sources_post(new_source=saved_again).data.id == skyportal_provisioned.obj_id


def test_a_search_comes_in_pages(sources, skyportal_provisioned, permitted):
    prefix = fresh_obj_id("ZTFpage")
    with permitted("create sources"):
        for index in range(3):
            ra, dec = random_position()
            sources.api_sources_post(new_source=NewSource(id=f"{prefix}x{index}", ra=ra, dec=dec,
                                                          group_ids=[skyportal_provisioned.group_id]))
    pages = [sources.api_sources_get(source_id=prefix, num_per_page=2, page_number=number).data for number in (1, 2)]
    assert [(page.totalMatches, page.pageNumber, page.numPerPage, len(page.sources)) for page in pages] == [
        (3, 1, 2, 2), (3, 2, 2, 1)]
    found = [source.id for page in pages for source in page.sources]
    assert sorted(found) == [f"{prefix}x{index}" for index in range(3)]
    assert all(isinstance(source, Source) for page in pages for source in page.sources)


def test_deleting_a_source_removes_it_from_the_group_only(sources, skyportal_provisioned, permitted):
    obj_id, group_id = skyportal_provisioned.obj_id, skyportal_provisioned.group_id
    with permitted("delete sources (Manage sources)"):
        answer = sources.api_sources_obj_id_delete(obj_id, source_deletion=SourceDeletion(group_id=group_id))
    assert answer.status == "success"
    source = sources.api_sources_obj_id_get(obj_id).data
    assert source.id == obj_id
    assert group_id not in [group.id for group in source.groups]


# -- instruments and telescopes ------------------------------------------------------------------


def test_an_instrument_is_found_by_name_with_its_telescope(instruments, skyportal_provisioned):
    (instrument,) = instruments.api_instrument_get(name=skyportal_provisioned.instrument_name).data
    assert isinstance(instrument, Instrument) and isinstance(instrument.telescope, Telescope)
    assert (instrument.id, instrument.telescope_id, instrument.telescope.id) == (
        skyportal_provisioned.instrument_id, skyportal_provisioned.telescope_id, skyportal_provisioned.telescope_id)
    assert instruments.api_instrument_get(name=f"NoSuch-{uuid.uuid4().hex[:8]}").data == []


def test_an_instrument_is_read_by_id(instruments, skyportal_provisioned):
    instrument = instruments.api_instrument_instrument_id_get(skyportal_provisioned.instrument_id).data
    assert (instrument.name, instrument.type, instrument.filters) == (
        skyportal_provisioned.instrument_name, "imager", list(FILTERS))
    with pytest.raises(skyportal_client.BadRequestException) as missing:
        instruments.api_instrument_instrument_id_get(MISSING_ID)
    assert missing.value.message == f"No instrument with ID: {MISSING_ID}"


def test_a_new_instrument_can_be_read_back(instruments, skyportal_provisioned, permitted):
    name = f"Cam-{uuid.uuid4().hex[:8]}"
    with permitted("create instruments (System admin or Manage allocations)"):
        created = instruments.api_instrument_post(new_instrument=NewInstrument(
            name=name, type="imager", band="optical", telescope_id=skyportal_provisioned.telescope_id,
            filters=["ztfg", "ztfr"]))
    assert isinstance(created.data.id, int)
    instrument = instruments.api_instrument_instrument_id_get(created.data.id).data
    assert (instrument.name, instrument.telescope_id, instrument.filters) == (
        name, skyportal_provisioned.telescope_id, ["ztfg", "ztfr"])


def test_a_telescope_is_found_by_name_and_read_by_id(telescopes, skyportal_provisioned):
    by_id = telescopes.api_telescope_telescope_id_get(skyportal_provisioned.telescope_id).data
    assert skyportal_provisioned.instrument_id in [instrument["id"] for instrument in by_id.instruments]
    (by_name,) = telescopes.api_telescope_get(name=by_id.name).data
    assert (by_name.id, by_name.nickname, by_name.diameter) == (by_id.id, by_id.nickname, by_id.diameter)
    assert isinstance(by_name.is_night_astronomical, bool)
    assert telescopes.api_telescope_get(name=f"NoSuch-{uuid.uuid4().hex[:8]}").data == []


def test_a_missing_telescope_is_refused(telescopes):
    with pytest.raises(skyportal_client.BadRequestException) as missing:
        telescopes.api_telescope_telescope_id_get(MISSING_ID)
    assert missing.value.message == f"Could not load telescope with ID {MISSING_ID}"


def test_a_new_telescope_can_be_read_back(telescopes, permitted):
    name = f"Obs-{uuid.uuid4().hex[:8]}"
    with permitted("create telescopes"):
        created = telescopes.api_telescope_post(new_telescope=NewTelescope(
            name=name, nickname=name.lower(), diameter=1.2, lat=33.36, lon=-116.86, elevation=1870.0,
            robotic=True, fixed_location=True))
    telescope = telescopes.api_telescope_telescope_id_get(created.data.id).data
    assert (telescope.name, telescope.lat, telescope.lon, telescope.elevation, telescope.robotic) == (
        name, 33.36, -116.86, 1870.0, True)


def test_a_fixed_telescope_needs_its_location(telescopes, permitted):
    with permitted("create telescopes"), pytest.raises(skyportal_client.BadRequestException) as refused:
        telescopes.api_telescope_post(new_telescope=NewTelescope(
            name=f"Obs-{uuid.uuid4().hex[:8]}", nickname="x", diameter=1.0, fixed_location=True))
    assert refused.value.message == "Missing latitude, longitude, or elevation; required if the telescope is fixed"


# -- groups and system info ----------------------------------------------------------------------


def test_groups_list_the_provisioned_group(api_client, skyportal_provisioned):
    lists = groups_api.GroupsApi(api_client).api_groups_get().data
    assert all(isinstance(group, Group) for group in lists.all_groups + lists.user_groups)
    assert skyportal_provisioned.group_id in [group.id for group in lists.all_groups]
    assert not any(group.single_user_group for group in lists.all_groups)


def test_sysinfo_says_the_server_version_and_needs_no_token(system_info, skyportal, monkeypatch):
    answer = system_info.api_sysinfo_get()
    assert answer.status == "success" and answer.version.startswith("1.")
    assert isinstance(answer.data.gitlog, list)
    monkeypatch.delenv("SKYPORTAL_TOKEN", raising=False)
    with skyportal_client.ApiClient(skyportal_client.Configuration(host=skyportal.url)) as anonymous:
        assert anonymous.configuration.token is None
        assert system_info_api.SystemInfoApi(anonymous).api_sysinfo_get().version == answer.version


def test_enum_types_list_what_the_spec_allows(system_info):
    enums = system_info.api_enum_types_get().data
    # The magnitude systems openapi.yaml enumerates for magsys, in SkyPortal's order.
    assert enums.ALLOWED_MAGSYSTEMS == ["jla1", "ab", "vega", "bd17", "csp", "ab-b12"]
    assert set(FILTERS) <= set(enums.ALLOWED_BANDPASSES)
    assert "imager" not in enums.keys()


# -- the per-call keywords -----------------------------------------------------------------------


def test_the_per_call_keywords_work_on_the_new_methods(sources, system_info, skyportal_provisioned):
    data, status, headers = system_info.api_enum_types_get(_return_http_data_only=False, _request_timeout=(5, 30))
    assert status == 200 and "ab" in data.data.ALLOWED_MAGSYSTEMS and headers["Content-Type"].startswith("application/json")
    raw = system_info.api_sysinfo_get(_preload_content=False)
    assert raw.status == 200 and b'"gitlog"' in raw.read()
    pending = sources.api_sources_obj_id_get(skyportal_provisioned.obj_id, async_req=True)
    assert pending.get(timeout=30).data.id == skyportal_provisioned.obj_id
    assert sources.api_sources_obj_id_head(skyportal_provisioned.obj_id, _return_http_data_only=False)[:2] == (None, 200)


def test_no_path_is_written_outside_the_generated_apis():
    """Only skyportal_client/api/ names SkyPortal's paths (the embedded server and its
    provisioning in skyportal_client/testing/ speak raw HTTP on purpose)."""
    package = pathlib.Path(skyportal_client.__file__).parent
    elsewhere = [path for path in package.rglob("*.py")
                    if path.relative_to(package).parts[0] not in ("api", "testing")]
    assert package / "bulk_upload.py" in elsewhere and package / "cli.py" in elsewhere
    naming_a_path = [f"{path.name}:{number}" for path in elsewhere
                     for number, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"/api/\w", line)]
    assert naming_a_path == []
