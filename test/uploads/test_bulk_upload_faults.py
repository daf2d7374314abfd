"""Bulk uploads under every fault after which a POST may have landed, and with group_ids:
every chunk ends settled, the manifest never says "nothing written" of a chunk that may be
stored, a re-run finishes with each point stored once, and rollback removes them all.
Each test counts and reads back the rows stored afterwards."""

import json

import pytest
from support.upload_bodies import fresh_mjds

import skyportal_client
from skyportal_client._light_curves.read import get_light_curve
from skyportal_client._uploads.manifest import (
    LANDED,
    PENDING,
    ROLLED_BACK,
    UNACKNOWLEDGED,
)
from skyportal_client._uploads.pipeline import largest_chunk
from skyportal_client.api.groups_api import GroupsApi
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.bulk_upload import plan_upload, rollback, upload_photometry
from skyportal_client.conversions import mag_to_flux
from skyportal_client.exceptions import ApiValueError
from skyportal_client.testing import SkyPortalTestServer, provision

# The faults after which the client cannot tell whether a POST landed: the server processed
# it and the answer was spoiled, or (non-envelope-200) a proxy answered in its place.
UNKNOWN_OUTCOME_FAULTS = ("drop-after", "reset-after", "status-502-after", "status-503-after", "status-504-after",
                          "corrupt-200", "truncated-no-length", "truncated-short", "trickle", "non-envelope-200")
TRICKLE_DELAY = 0.05  # seconds per byte: the answer takes longer than the test client's total_timeout
POINTS = 25


def make_client(server, total_timeout=300.0):
    configuration = skyportal_client.Configuration(
        host=server.url, token=server.token, rate_limit=None, total_timeout=total_timeout,
        retries=skyportal_client.RetryPolicy(total=3, backoff_base=0.01, backoff_max=0.1))
    return skyportal_client.ApiClient(configuration)


def columns_of(mjds):
    return {"mjd": mjds, "filter": "ztfg", "mag": [18.0 + (row % 300) * 0.01 for row in range(len(mjds))],
            "magerr": [0.05] * len(mjds)}


def inject(server, kind, count):
    server.inject_fault(kind, count=count, methods=["POST"], delay=TRICKLE_DELAY if kind == "trickle" else 0.0)


def states(manifest):
    return [entry["state"] for entry in json.loads(manifest.read_text())["chunks"]]


def assert_stored_once(api_client, obj_id, columns):
    """The object holds exactly the uploaded points, each once, with the values sent (to 1e-9)."""
    points = get_light_curve(api_client, obj_id, format="both")
    assert sorted(point["mjd"] for point in points) == sorted(columns["mjd"])
    sent = dict(zip(columns["mjd"], columns["mag"]))
    assert max(abs(point["mag"] - sent[point["mjd"]]) for point in points) < 1e-9
    assert max(abs(point["flux"] - mag_to_flux(sent[point["mjd"]])[0]) for point in points) < 1e-9


@pytest.mark.parametrize("kind", UNKNOWN_OUTCOME_FAULTS)
def test_a_chunk_whose_post_may_have_landed_is_settled_in_the_same_run(skyportal_server, skyportal_provisioned,
                                                                       tmp_path, kind):
    setup = skyportal_provisioned
    columns = columns_of(fresh_mjds(POINTS))
    manifest = tmp_path / "upload.json"

    def fault_on_the_second_chunk(done, total):
        if done == 10:
            inject(skyportal_server, kind, count=1)

    with make_client(skyportal_server, total_timeout=1.0) as api_client:
        result = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                                   manifest=manifest, chunk_size=10, progress=fault_on_the_second_chunk)
        assert states(manifest) == [LANDED] * 3 and len(set(result.ids)) == POINTS and None not in result.ids
        assert_stored_once(api_client, setup.obj_id, columns)
        # A POST that reached the application was stored: its chunk is settled by PUT, without an
        # upload_id; one answered by a proxy never got there, and the second POST lands it.
        sent_with = [entry["sent_with"] for entry in json.loads(manifest.read_text())["chunks"]]
        assert sent_with == ["post", "post" if kind == "non-envelope-200" else "put", "post"]

        removed = rollback(api_client, manifest, delete_settled=True)
        assert (removed.removed, removed.already_removed, removed.kept) == (POINTS, 0, 0)
        assert get_light_curve(api_client, setup.obj_id) == [] and states(manifest) == [ROLLED_BACK] * 3


@pytest.mark.parametrize("kind", UNKNOWN_OUTCOME_FAULTS)
def test_a_chunk_left_in_doubt_is_never_recorded_as_nothing_written_and_a_rerun_finishes_it(
        skyportal_server, skyportal_provisioned, tmp_path, kind):
    """The fault hits the chunk's POST and the POST that would settle it, and the PUT that
    would settle it after a refusal does not get through: the run stops with the chunk
    unacknowledged, and the next run settles it and sends the rest."""
    setup = skyportal_provisioned
    columns = columns_of(fresh_mjds(POINTS))
    manifest = tmp_path / "upload.json"
    upload = dict(obj_id=setup.obj_id, instrument_id=setup.instrument_id, manifest=manifest, chunk_size=10)

    def fault_on_the_second_chunk(done, total):
        if done == 10:
            inject(skyportal_server, kind, count=2)
            skyportal_server.inject_fault("drop-before", count=4, methods=["PUT"])

    with make_client(skyportal_server, total_timeout=1.0) as api_client:
        with pytest.raises(skyportal_client.ApiException) as raised:
            upload_photometry(api_client, columns, progress=fault_on_the_second_chunk, **upload)
        assert raised.value.may_have_reached_server and "may have landed" in str(raised.value)
        assert states(manifest) == [LANDED, UNACKNOWLEDGED, PENDING]
        stored = len(get_light_curve(api_client, setup.obj_id))
        assert stored == (10 if kind == "non-envelope-200" else 20)
        skyportal_server.clear_faults()

        again = upload_photometry(api_client, columns, **upload)
        assert (again.sent, again.skipped) == (2, 1) and states(manifest) == [LANDED] * 3
        assert_stored_once(api_client, setup.obj_id, columns)


@pytest.mark.parametrize("with_manifest", [True, False])
def test_a_chunk_whose_settling_post_met_an_answer_of_nothing_done_says_it_may_have_landed_throughout(
        skyportal_server, skyportal_provisioned, tmp_path, with_manifest):
    """The settling POST meets the 503 "System provisioning" page, which on its own would mean
    "not processed"; the first POST was stored, so the message, repr and hint all say the chunk
    may have landed and how to settle it."""
    setup = skyportal_provisioned
    manifest = tmp_path / "upload.json" if with_manifest else None
    skyportal_server.inject_fault("drop-after", methods=["POST"])
    skyportal_server.inject_fault("status-503", count=4, methods=["POST"])
    with make_client(skyportal_server) as api_client:
        with pytest.raises(skyportal_client.ServiceException) as raised:
            upload_photometry(api_client, columns_of(fresh_mjds(2)), obj_id=setup.obj_id,
                              instrument_id=setup.instrument_id, manifest=manifest)
    error = raised.value
    assert error.outcome is skyportal_client.Outcome.UNKNOWN
    if with_manifest:
        assert error.hint == "run the same upload again with the same manifest: it settles this chunk"
        assert states(manifest) == [UNACKNOWLEDGED]
    else:
        assert error.hint.startswith('upload the same points again with method="put"')
    assert error.args == (str(error),) and str(error).endswith(f"It may have landed: {error.hint}")
    assert "did not process" not in repr(error)


def test_a_bulk_delete_whose_answer_is_lost_counts_as_done(skyportal_server, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    manifest = tmp_path / "upload.json"
    with make_client(skyportal_server) as api_client:
        upload_photometry(api_client, columns_of(fresh_mjds(POINTS)), obj_id=setup.obj_id,
                          instrument_id=setup.instrument_id, manifest=manifest, chunk_size=10)
        skyportal_server.inject_fault("drop-after", methods=["DELETE"])
        removed = rollback(api_client, manifest)
        assert (removed.removed, removed.already_removed) == (POINTS, 0)
        assert get_light_curve(api_client, setup.obj_id) == []


def test_a_rollback_run_again_after_a_crash_counts_what_an_earlier_run_removed(api_client, skyportal_provisioned,
                                                                               tmp_path):
    """The first rollback's deletes landed but it stopped before recording them: the second
    finds them gone, and says so rather than counting them as its own."""
    setup = skyportal_provisioned
    manifest = tmp_path / "upload.json"
    result = upload_photometry(api_client, columns_of(fresh_mjds(POINTS)), obj_id=setup.obj_id,
                               instrument_id=setup.instrument_id, manifest=manifest, chunk_size=10)
    before_rollback = manifest.read_text()
    assert rollback(api_client, manifest).removed == POINTS
    manifest.write_text(before_rollback)  # as if the first rollback had crashed before writing
    again = rollback(api_client, manifest)
    assert (again.removed, again.already_removed) == (0, POINTS)
    assert get_light_curve(api_client, setup.obj_id) == [] and len(result.upload_ids) == 3


# -- group_ids: 4 x points x groups <= 65 535 -------------------------------------------------


BIG = 25_000


@pytest.fixture
def own_server(skyportal_server, tmp_path):
    """A server of its own, so that 25 000-point uploads do not slow the other tests' range queries."""
    server = SkyPortalTestServer(db_path=str(tmp_path / "skyportal.sqlite")).start()
    yield server
    server.stop()


@pytest.mark.parametrize("group_ids, groups, chunk_size", [
    ("none", 1, 10_000), ("empty", 1, 10_000), ("all", 2, 8191), ("own", 2, 8191), ("own and single-user", 2, 8191),
    ("two", 3, 5461)])
def test_chunks_are_sized_by_the_groups_each_point_joins(api_client, skyportal, skyportal_provisioned, group_ids,
                                                         groups, chunk_size):
    setup = skyportal_provisioned
    own = [group.id for group in GroupsApi(api_client).api_groups_get().data.user_groups
           if group.single_user_group]
    other = create_group(skyportal, setup)
    group_ids = {"none": None, "empty": [], "all": "all", "own": [setup.group_id],
                 "own and single-user": [setup.group_id] + own, "two": [setup.group_id, other]}[group_ids]
    plan = plan_upload(api_client, columns_of(fresh_mjds(BIG)), obj_id=setup.obj_id,
                       instrument_id=setup.instrument_id, group_ids=group_ids)
    assert (plan.groups_per_point, plan.chunk_size) == (groups, chunk_size) == (groups, largest_chunk(groups))
    assert [len(chunk.rows) for chunk in plan.chunks] == [chunk_size] * (BIG // chunk_size) + [BIG % chunk_size]
    with pytest.raises(ApiValueError, match=f"chunk_size must be between 1 and {chunk_size}"):
        plan_upload(api_client, columns_of(fresh_mjds(3)), obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                    group_ids=group_ids, chunk_size=chunk_size + 1)


def create_group(skyportal, setup):
    from skyportal_client.testing.provision import api_call, unique_name

    name = unique_name("test-group")
    return api_call(skyportal.url, skyportal.token, "POST", "/api/groups", {"name": name, "nickname": name})["id"]


@pytest.mark.slow  # the quick run has one upload of this size: the fault's, below
def test_25000_points_with_group_ids_land_on_the_first_run(api_client, skyportal, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    columns = columns_of(fresh_mjds(BIG))
    manifest = tmp_path / "upload.json"
    result = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                               group_ids=[setup.group_id], manifest=manifest)
    assert (result.sent, len(result.upload_ids), len(set(result.ids))) == (4, 4, BIG)
    assert_stored_once(api_client, setup.obj_id, columns)
    point = PhotometryApi(api_client).api_photometry_photometry_id_get(result.ids[-1])["data"]
    assert setup.group_id in [group["id"] for group in point["groups"]]
    # Rolled back, by four bulk deletes: on a real SkyPortal, later tests' unfiltered range
    # queries read every point the token sees.
    assert rollback(api_client, manifest) == BIG and get_light_curve(api_client, setup.obj_id) == []


# Recovery is the same at any size: every fault in chunks of 10 points, and at the chunk boundary
# the groups set (8191 points for two groups per point), once in the quick run and for every
# fault in the slow one.
RECOVERY_SIZES = [
    size for kind in UNKNOWN_OUTCOME_FAULTS for size in (
        pytest.param(kind, 35, 10, id=f"{kind}-35 points in chunks of 10"),
        pytest.param(kind, BIG, None, id=f"{kind}-{BIG} points", marks=() if kind == "drop-after" else pytest.mark.slow))]


@pytest.mark.parametrize("kind, points, chunk_size", RECOVERY_SIZES)
def test_points_with_group_ids_after_a_fault_land_exactly_once_on_a_rerun(own_server, tmp_path, kind, points,
                                                                          chunk_size):
    server = own_server
    setup = provision(server.url, server.token)
    columns = columns_of([59000 + row * 0.0001 for row in range(points)])
    manifest = tmp_path / "upload.json"
    upload = dict(obj_id=setup.obj_id, instrument_id=setup.instrument_id, group_ids=[setup.group_id],
                  manifest=manifest, chunk_size=chunk_size)
    per_chunk = chunk_size or largest_chunk(2)

    def fault_on_the_third_chunk(done, total):
        if done == 2 * per_chunk:
            inject(server, kind, count=2)
            server.inject_fault("drop-before", count=4, methods=["PUT"])

    # A chunk of 8191 points takes the server longer to store than the trickled answer of 10 may take.
    with make_client(server, total_timeout=1.0 if chunk_size else 5.0) as api_client:
        with pytest.raises(skyportal_client.ApiException) as raised:
            upload_photometry(api_client, columns, progress=fault_on_the_third_chunk, **upload)
        assert raised.value.may_have_reached_server
        assert states(manifest) == [LANDED, LANDED, UNACKNOWLEDGED, PENDING]
    server.clear_faults()

    with make_client(server) as api_client:
        result = upload_photometry(api_client, columns, **upload)
        assert (result.sent, result.skipped, len(set(result.ids))) == (2, 2, points)
        assert server.photometry_count() == points
        assert_stored_once(api_client, setup.obj_id, columns)


def test_point_by_point_deletes_run_at_the_rate_limit_after_saying_how_long_they_take(
        skyportal_server, skyportal_provisioned, tmp_path, capsys):
    """A chunk settled by PUT has no upload_id: with delete_settled its 20 points go one request
    each, paced by the client's rate limit so that the server's (5 per second) refuses none."""
    setup = skyportal_provisioned
    manifest = tmp_path / "upload.json"
    columns = columns_of(fresh_mjds(20))
    with make_client(skyportal_server) as api_client:
        skyportal_server.inject_fault("drop-after", methods=["POST"])
        upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                          manifest=manifest)
    assert [entry["sent_with"] for entry in json.loads(manifest.read_text())["chunks"]] == ["put"]
    configuration = skyportal_client.Configuration(host=skyportal_server.url, token=skyportal_server.token,
                                                   rate_limit=5.0, rate_limit_burst=10, retries=0)
    skyportal_server.set_rate_limit(5.0, burst=10)
    skyportal_server.clear_requests()
    with skyportal_client.ApiClient(configuration) as api_client:
        result = rollback(api_client, manifest, delete_settled=True, progress=True)
        assert (result.removed, result.already_removed, result.kept) == (20, 0, 0)
        assert get_light_curve(api_client, setup.obj_id) == []
    deletes = [record.status for record in skyportal_server.requests if record.method == "DELETE"]
    assert deletes == [200] * 20
    err = capsys.readouterr().err
    assert err.startswith("Removing 20 points: 20 one by one (20 requests at 5 per second, about 2 s).\n")
    assert "20/20" in err  # the bar, with its ETA while it ran
