"""SkyPortal, the front door: every verb against the server under test (the embedded one, or a real
SkyPortal with SKYPORTAL_TEST_URL and SKYPORTAL_TEST_TOKEN set). What the token may not do is skipped with the
server's words. The set-up checks and the hints have their own file, test_front_door_messages.py.
"""

import concurrent.futures
import datetime
import json
import urllib.parse
import uuid

import pytest
from support.upload_bodies import fresh_mjds

import skyportal_client
from skyportal_client import NameLookupError
from skyportal_client.model.group import Group
from skyportal_client.model.instrument import Instrument
from skyportal_client.model.source import Source
from skyportal_client.model.telescope import Telescope
from skyportal_client.testing.provision import FILTERS, random_position

# A light curve of three points, the last a non-detection.
LIGHT_CURVE = {"mjd": [59400.1, 59401.2, 59402.3], "mag": [19.1, 18.9, None], "magerr": [0.05, 0.04, None],
               "limiting_mag": [21.0, 21.1, 21.2], "filter": "ztfg"}
MJD_ZERO = datetime.datetime(1858, 11, 17)


@pytest.fixture
def sp(skyportal):
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token, rate_limit=None,
                                    retries=skyportal_client.RetryPolicy(total=3, backoff_base=0.01,
                                                                         backoff_max=0.1)) as client:
        yield client


@pytest.fixture
def uploaded(sp, skyportal_provisioned, permitted):
    """The light curve on the provisioned source, uploaded by instrument name; its UploadResult."""
    with permitted("upload photometry"):
        return sp.photometry.upload(LIGHT_CURVE, obj_id=skyportal_provisioned.obj_id,
                                    instrument=skyportal_provisioned.instrument_name)


def fresh_obj_id(prefix="ZTFfd"):
    return prefix + uuid.uuid4().hex[:10]


# -- the object itself ---------------------------------------------------------------------------


def test_the_version_is_the_server_s_and_asked_once_by_threads_sharing_it(sp, skyportal, skyportal_provisioned,
                                                                         uploaded):
    if skyportal.embedded:
        skyportal.server.clear_requests()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        versions = list(pool.map(lambda _: sp.version, range(16)))
        curves = list(pool.map(lambda _: sp.photometry.get(skyportal_provisioned.obj_id), range(16)))
    assert set(versions) == {sp.api_client.server_version} and versions[0].startswith("1.")
    assert all([point["id"] for point in curve] == uploaded.ids for curve in curves)
    if skyportal.embedded:
        assert [record.path for record in skyportal.server.requests].count("/api/sysinfo") == 1


def test_it_closes_its_connections_when_the_block_ends(skyportal):
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token) as sp:
        sp.groups.list()
        pools = sp.api_client.rest_client._manager.pools
        assert len(pools) == 1
    assert len(pools) == 0


def test_its_repr_shows_the_host_but_never_the_token(sp, skyportal):
    assert repr(sp) == f"SkyPortal(host={skyportal.url!r}, token='<hidden>')"
    assert sp.host == skyportal.url


def test_the_generated_apis_run_on_its_api_client(sp, skyportal_provisioned, uploaded):
    from skyportal_client.api.photometry_api import PhotometryApi

    points = PhotometryApi(sp.api_client).api_sources_obj_id_photometry_get(skyportal_provisioned.obj_id)["data"]
    assert [point["id"] for point in points] == uploaded.ids


# -- photometry ----------------------------------------------------------------------------------


def test_an_upload_by_instrument_name_reads_back_in_every_shape(sp, skyportal_provisioned, uploaded):
    assert len(uploaded.ids) == 3 and len(uploaded.upload_ids) == 1 and (uploaded.sent, uploaded.skipped) == (1, 0)
    records = sp.photometry.get(skyportal_provisioned.obj_id)
    assert [(point["id"], point["mjd"], point["mag"], point["instrument_id"]) for point in records] == [
        (uploaded.ids[0], 59400.1, 19.1, skyportal_provisioned.instrument_id),
        (uploaded.ids[1], 59401.2, 18.9, skyportal_provisioned.instrument_id),
        (uploaded.ids[2], 59402.3, None, skyportal_provisioned.instrument_id)]
    table = sp.photometry.get(skyportal_provisioned.obj_id, format="flux", as_="astropy")
    assert str(table["flux"].unit) == "uJy" and table["flux"].mask.tolist() == [False, False, True]
    frame = sp.photometry.get(skyportal_provisioned.obj_id, magsys="vega", as_="pandas")
    assert frame["id"].tolist() == uploaded.ids and set(frame["magsys"]) == {"vega"}


def test_an_upload_by_instrument_id_and_group_name_shares_the_points(sp, skyportal_provisioned, permitted):
    with permitted("upload photometry"):
        result = sp.photometry.upload(
            [{"mjd": 59500.5, "flux": 120.0, "fluxerr": 5.0, "zp": 23.9, "filter": "ztfr"}],
            obj_id=skyportal_provisioned.obj_id, instrument=skyportal_provisioned.instrument_id,
            groups=[skyportal_provisioned.group_name])
    point = sp.photometry.point(result.ids[0], format="flux")
    assert (point["flux"], point["fluxerr"], point["filter"]) == (120.0, 5.0, "ztfr")
    assert skyportal_provisioned.group_id in [group["id"] for group in point["groups"]]


def test_an_upload_by_instrument_and_group_names_looks_each_name_up_once(sp, skyportal, skyportal_provisioned,
                                                                        permitted):
    if not skyportal.embedded:
        pytest.skip("counts the requests in the embedded server's log")
    sp.version  # asked once per client, before the first request; not part of the upload
    skyportal.server.clear_requests()
    with permitted("upload photometry"):
        result = sp.photometry.upload(dict(LIGHT_CURVE, mjd=fresh_mjds(3)), obj_id=skyportal_provisioned.obj_id,
                                      instrument=skyportal_provisioned.instrument_name,
                                      groups=[skyportal_provisioned.group_name])
    instrument_query = urllib.parse.urlencode({"name": skyportal_provisioned.instrument_name})
    assert [(record.method, record.path) for record in skyportal.server.requests] == [
        ("GET", f"/api/instrument?{instrument_query}"), ("GET", "/api/groups"), ("POST", "/api/photometry")]
    point = sp.photometry.point(result.ids[0])
    assert point["instrument_id"] == skyportal_provisioned.instrument_id
    assert skyportal_provisioned.group_id in [group["id"] for group in point["groups"]]


def test_groups_all_is_skyportal_s_public_group(sp, skyportal_provisioned, permitted):
    with permitted("upload photometry"):
        result = sp.photometry.upload(LIGHT_CURVE, obj_id=skyportal_provisioned.obj_id,
                                      instrument=skyportal_provisioned.instrument_name, groups="all")
    groups = sp.photometry.point(result.ids[0])["groups"]
    assert [group["name"] for group in groups if not group["single_user_group"]] == ["Sitewide Group"]


def test_a_point_is_read_updated_and_deleted_by_its_id(sp, skyportal_provisioned, uploaded, permitted):
    first, second, _ = uploaded.ids
    assert sp.photometry.point(first)["mag"] == 19.1
    corrected = {"obj_id": skyportal_provisioned.obj_id, "instrument_id": skyportal_provisioned.instrument_id,
                 "mjd": 59400.1, "mag": 18.7, "magerr": 0.06, "filter": "ztfr", "magsys": "ab",
                 "ra": 10.5, "dec": -2.25}
    with permitted("update photometry"):
        assert sp.photometry.update(first, corrected) is None
    point = sp.photometry.point(first)
    assert (point["mag"], point["filter"], point["ra"], point["dec"]) == (18.7, "ztfr", 10.5, -2.25)
    assert point["magerr"] == pytest.approx(0.06)  # back from the stored flux error
    with permitted("delete photometry"):
        assert sp.photometry.delete(second) is None
    assert [point["id"] for point in sp.photometry.get(skyportal_provisioned.obj_id)] == [first, uploaded.ids[2]]
    with pytest.raises(skyportal_client.BadRequestException) as gone:
        sp.photometry.point(second)
    assert gone.value.message.startswith(f"Cannot find photometry point with ID: {second}")


def test_an_incomplete_update_is_refused_before_sending(sp, uploaded):
    with pytest.raises(skyportal_client.ApiValueError, match="instrument_id"):
        sp.photometry.update(uploaded.ids[0], {"mag": 18.0, "magerr": 0.1})


def corrected_point(provisioned, **fields):
    point = {"obj_id": provisioned.obj_id, "instrument_id": provisioned.instrument_id, "mjd": 59400.1,
             "mag": 18.7, "magerr": 0.06, "filter": "ztfg", "magsys": "ab"}
    return {name: value for name, value in dict(point, **fields).items() if value is not None}


@pytest.mark.parametrize("fields, message", [
    ({"mjd": 2460000.5}, r"column mjd: is 2460000\.5, a Julian Date, not an MJD: the MJD is JD - 2400000\.5"),
    ({"mag": 99.0}, r"column mag: is 99\.0, outside \[-30, 40\]: .*a non-detection goes in limiting_mag"),
    ({"ra": 400.0, "dec": 0.0}, r"column ra: is 400\.0, outside \[0, 360\)"),
    ({"filter": "sdssu"}, r"column filter: instrument \d+ has no filter 'sdssu' \(it has ztfg, ztfr, ztfi\)"),
])
def test_an_update_is_checked_as_an_upload_is_and_nothing_is_sent(sp, skyportal, skyportal_provisioned, uploaded,
                                                                  fields, message):
    if skyportal.embedded:
        skyportal.server.clear_requests()
    with pytest.raises(skyportal_client.UploadValidationError, match=message):
        sp.photometry.update(uploaded.ids[0], corrected_point(skyportal_provisioned, **fields))
    if skyportal.embedded:
        assert [record.method for record in skyportal.server.requests if record.method != "GET"] == []
    assert sp.photometry.point(uploaded.ids[0])["mag"] == 19.1


def test_an_update_converts_units_and_times_as_an_upload_does(sp, skyportal_provisioned, uploaded, permitted):
    units = pytest.importorskip("astropy.units")
    time = pytest.importorskip("astropy.time")
    point = corrected_point(skyportal_provisioned, mag=18.7 * units.ABmag, magerr=0.06 * units.mag,
                            mjd=time.Time(2459400.6, format="jd"), ra=10.5 * units.deg, dec=-2.25 * units.deg)
    with permitted("update photometry"):
        sp.photometry.update(uploaded.ids[0], point)
    stored = sp.photometry.point(uploaded.ids[0], format="both")
    assert abs(stored["mag"] - 18.7) < 1e-9 and abs(stored["flux"] - 10 ** (0.4 * (23.9 - 18.7))) < 1e-9
    assert abs(stored["mjd"] - 59400.1) * 86400 < 1e-3
    assert (stored["ra"], stored["dec"]) == (10.5, -2.25)
    flux_point = {"obj_id": skyportal_provisioned.obj_id, "instrument_id": skyportal_provisioned.instrument_id,
                  "mjd": 59400.1, "filter": "ztfg", "magsys": "ab", "flux": 2.0 * units.dex(units.uJy),
                  "fluxerr": 5.0 * units.uJy}
    with permitted("update photometry"):
        sp.photometry.update(uploaded.ids[0], flux_point)
    stored = sp.photometry.point(uploaded.ids[0], format="flux")
    assert abs(stored["flux"] - 100.0) < 1e-9 and abs(stored["fluxerr"] - 5.0) < 1e-9 and stored["zp"] == 23.9


def test_an_update_of_lists_is_refused(sp, skyportal_provisioned, uploaded):
    with pytest.raises(skyportal_client.ApiValueError, match="update\\(\\) replaces one point, but the values "
                                                             "given are lists of 2: give each field one value"):
        sp.photometry.update(uploaded.ids[0], corrected_point(skyportal_provisioned, mag=[18.7, 18.8],
                                                              magerr=[0.1, 0.1]))


def test_a_range_by_instrument_name_and_dates(sp, skyportal_provisioned, uploaded):
    july = dict(min_date=MJD_ZERO + datetime.timedelta(days=59401), max_date="2021-07-06T12:00:00")
    in_range = sp.photometry.range(instruments=skyportal_provisioned.instrument_name, format="flux", **july)
    # Other tests of the session upload the same light curve to other sources, with this instrument.
    assert [point["id"] for point in in_range if point["obj_id"] == skyportal_provisioned.obj_id] == [uploaded.ids[1]]
    assert all(59401.0 <= point["mjd"] <= 59401.5 and "flux" in point for point in in_range)
    every = sp.photometry.range(instruments=[skyportal_provisioned.instrument_id], as_="astropy")
    assert set(uploaded.ids) <= set(every["id"])


def test_an_upload_with_a_manifest_resumes_and_rolls_back(sp, skyportal_provisioned, tmp_path, permitted):
    manifest = tmp_path / "upload.json"
    with permitted("upload photometry"):
        first = sp.photometry.upload(LIGHT_CURVE, obj_id=skyportal_provisioned.obj_id,
                                     instrument=skyportal_provisioned.instrument_name, manifest=manifest, chunk_size=2)
    assert (first.sent, first.skipped, len(first.upload_ids)) == (2, 0, 2)
    again = sp.photometry.upload(LIGHT_CURVE, obj_id=skyportal_provisioned.obj_id,
                                 instrument=skyportal_provisioned.instrument_name, manifest=manifest, chunk_size=2)
    assert (again.ids, again.sent, again.skipped) == (first.ids, 0, 2)
    with permitted("delete bulk photometry"):
        assert sp.photometry.rollback(manifest) == 3
    assert sp.photometry.get(skyportal_provisioned.obj_id) == []
    assert {chunk["state"] for chunk in json.loads(manifest.read_text())["chunks"]} == {"rolled_back"}


def test_a_put_upload_is_safe_to_repeat(sp, skyportal_provisioned, uploaded, permitted):
    with permitted("upload photometry"):
        again = sp.photometry.upload(LIGHT_CURVE, obj_id=skyportal_provisioned.obj_id,
                                     instrument=skyportal_provisioned.instrument_name, method="put")
    assert again.ids == uploaded.ids and again.upload_ids == []


# -- sources -------------------------------------------------------------------------------------


def test_a_source_is_created_found_and_read(sp, skyportal_provisioned, permitted):
    obj_id, (ra, dec) = fresh_obj_id(), random_position()
    assert not sp.sources.exists(obj_id)
    with permitted("create sources"):
        saved = sp.sources.create(obj_id, ra=ra, dec=dec, groups=skyportal_provisioned.group_name, redshift=0.05)
    assert (saved.id, saved.saved_to_groups) == (obj_id, [skyportal_provisioned.group_id])
    assert sp.sources.exists(obj_id)
    source = sp.sources.get(obj_id)
    assert isinstance(source, Source) and (source.id, source.ra, source.dec, source.redshift) == (obj_id, ra, dec, 0.05)


def test_creating_a_source_that_exists_is_refused_and_changes_nothing(sp, skyportal_provisioned):
    before = sp.sources.get(skyportal_provisioned.obj_id)
    with pytest.raises(skyportal_client.ApiValueError) as refused:
        sp.sources.create(skyportal_provisioned.obj_id, ra=1.0, dec=1.0)
    assert str(refused.value) == (f"Source {skyportal_provisioned.obj_id} exists already on {sp.host}; nothing was "
                                  "changed. To save it to more groups, use sources.ensure(..., groups=...)")
    assert sp.sources.get(skyportal_provisioned.obj_id).to_dict() == before.to_dict()


def test_ensure_creates_a_missing_source_once_and_then_only_adds_groups(sp, skyportal, skyportal_provisioned,
                                                                       permitted):
    obj_id, (ra, dec) = fresh_obj_id(), random_position()
    public = sp.groups.find("Sitewide Group")
    with permitted("create sources"):
        assert sp.sources.ensure(obj_id, ra=ra, dec=dec, groups=[skyportal_provisioned.group_id]) is True
    assert sp.sources.ensure(obj_id, ra=0.0, dec=0.0) is False
    assert sp.sources.ensure(obj_id, ra=0.0, dec=0.0, groups=[public.name, skyportal_provisioned.group_id]) is False
    source = sp.sources.get(obj_id)
    assert (source.ra, source.dec) == (ra, dec)
    assert {skyportal_provisioned.group_id, public.id} <= {group.id for group in source.groups}


def test_a_search_goes_through_every_page(sp, skyportal_provisioned, permitted):
    prefix = fresh_obj_id("ZTFsearch")
    with permitted("create sources"):
        for index in range(5):
            ra, dec = random_position()
            sp.sources.create(f"{prefix}x{index}", ra=ra, dec=dec, groups=[skyportal_provisioned.group_id])
    found = sp.sources.search(prefix, page_size=2)
    assert not isinstance(found, list)  # pages are fetched as the loop goes on
    sources = list(found)
    assert sorted(source.id for source in sources) == [f"{prefix}x{index}" for index in range(5)]
    assert all(isinstance(source, Source) for source in sources)
    assert list(sp.sources.search(fresh_obj_id("ZTFnothing"))) == []


# -- instruments, telescopes, groups -------------------------------------------------------------


def test_instruments_are_found_by_name_read_by_id_and_listed(sp, skyportal_provisioned):
    found = sp.instruments.find(skyportal_provisioned.instrument_name)
    assert isinstance(found, Instrument) and isinstance(found.telescope, Telescope)
    assert (found.id, found.filters, found.telescope.id) == (skyportal_provisioned.instrument_id, list(FILTERS),
                                                            skyportal_provisioned.telescope_id)
    assert sp.instruments.get(found.id).name == skyportal_provisioned.instrument_name
    assert found.id in [instrument.id for instrument in sp.instruments.list()]
    assert sp.instruments.id_of(skyportal_provisioned.instrument_name) == sp.instruments.id_of(found.id) == found.id


def test_a_name_in_other_case_is_not_taken_but_suggested(sp, skyportal_provisioned):
    name = skyportal_provisioned.instrument_name
    with pytest.raises(NameLookupError) as missing:
        sp.instruments.find(name.lower())
    assert str(missing.value) == (f"No instrument named {name.lower()!r} on {sp.host}: did you mean {name!r} "
                                  f"(id {skyportal_provisioned.instrument_id})? Names must match exactly")
    assert missing.value.kind == "instrument"
    assert missing.value.candidates == ((name, skyportal_provisioned.instrument_id),)
    assert isinstance(missing.value, LookupError) and isinstance(missing.value, skyportal_client.ApiValueError)


def test_telescopes_are_found_by_name_read_by_id_and_listed(sp, skyportal_provisioned):
    telescope = sp.telescopes.get(skyportal_provisioned.telescope_id)
    assert skyportal_provisioned.instrument_id in [instrument["id"] for instrument in telescope.instruments]
    found = sp.telescopes.find(telescope.name)
    assert isinstance(found, Telescope) and (found.id, found.nickname) == (telescope.id, telescope.nickname)
    assert telescope.id in [each.id for each in sp.telescopes.list()]
    with pytest.raises(NameLookupError, match=rf"did you mean {telescope.name!r} \(id {telescope.id}\)"):
        sp.telescopes.find(telescope.nickname)


def test_groups_are_listed_and_found_by_name(sp, skyportal_provisioned):
    groups = sp.groups.list()
    assert all(isinstance(group, Group) for group in groups)
    assert [group.name for group in groups] == sorted(group.name for group in groups)
    assert skyportal_provisioned.group_id in [group.id for group in groups]
    assert any(group.single_user_group for group in groups)  # the user's own group
    assert sp.groups.find(skyportal_provisioned.group_name).id == skyportal_provisioned.group_id
    assert sp.groups.ids_of([skyportal_provisioned.group_name, 7, skyportal_provisioned.group_id]) == [
        skyportal_provisioned.group_id, 7]
    assert (sp.groups.ids_of("all"), sp.groups.ids_of(None), sp.groups.ids_of(3)) == ("all", None, [3])
