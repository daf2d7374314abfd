"""upload_photometry and rollback over HTTP against the embedded server: checks before
sending, chunking, resuming from a manifest after faults and a stopped server."""

import json
import math
import os
import threading

import pytest
from support.upload_bodies import fresh_mjds

import skyportal_client
from skyportal_client._light_curves.read import get_light_curve
from skyportal_client._uploads.pipeline import largest_chunk
from skyportal_client._uploads.manifest import (
    LANDED,
    ROLLED_BACK,
    UNACKNOWLEDGED,
    UploadRecord,
)
from skyportal_client.bulk_upload import (
    ManifestError,
    plan_upload,
    rollback,
    upload_photometry,
)
from skyportal_client.conversions import limiting_mag_to_fluxerr, mag_to_flux
from skyportal_client.exceptions import RollbackIncomplete, UploadValidationError
from skyportal_client.testing import SkyPortalTestServer, create_source, provision

FILTERS = ("ztfg", "ztfr", "ztfi")


def light_curve_columns(count, mjds):
    """``count`` points in mag space, every tenth a non-detection with a limiting magnitude."""
    detected = [row % 10 != 9 for row in range(count)]
    return {
        "mjd": mjds,
        "filter": [FILTERS[row % 3] for row in range(count)],
        "mag": [18.0 + (row % 400) * 0.01 if hit else None for row, hit in enumerate(detected)],
        "magerr": [0.01 + (row % 7) * 0.01 if hit else None for row, hit in enumerate(detected)],
        "limiting_mag": [None if hit else 21.5 for hit in detected],
    }


def make_client(server):
    configuration = skyportal_client.Configuration(
        host=server.url, token=server.token, rate_limit=None,
        retries=skyportal_client.RetryPolicy(total=3, backoff_base=0.01, backoff_max=0.1))
    return skyportal_client.ApiClient(configuration)


def counts(result):
    """A rollback's counts: removed by the call, removed before it, kept."""
    return result.removed, result.already_removed, result.kept


def writes(server):
    """The photometry requests that change something, in order."""
    return [record for record in server.requests
            if record.method in ("POST", "PUT", "DELETE") and record.path.startswith("/api/photometry")]


# -- checks before sending --------------------------------------------------------------


def test_every_bad_row_is_named_in_one_error_and_nothing_is_sent(api_client, skyportal_server, skyportal_provisioned):
    setup = skyportal_provisioned
    rows = [
        {"mjd": 59400.1, "filter": "ztfg", "mag": 19.1, "magerr": 0.05},
        {"mjd": 59400.2, "filter": "sdssu", "mag": 19.2, "magerr": 0.05},
        {"mjd": 59400.3, "filter": "ztfg", "mag": 19.3, "magerr": 0.0},
        {"mjd": math.inf, "filter": "ztfg", "mag": 19.4, "magerr": 0.05},
        {"mjd": 59400.5, "filter": "ztfg", "mag": None, "magerr": None},
        {"mjd": 59400.6, "filter": "ztfg", "mag": 19.6, "magerr": None},
        {"mjd": 59400.1, "filter": "ztfg", "mag": 19.1, "magerr": 0.05},
    ]
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, rows, obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    assert isinstance(raised.value, skyportal_client.ApiValueError)
    assert [(problem.row, problem.column) for problem in raised.value.problems] == [
        (1, "filter"), (2, "magerr"), (3, "mjd"), (4, "limiting_mag"), (5, "magerr"), (6, "mjd")]
    message = str(raised.value)
    assert message.startswith("6 problems in the photometry; nothing was sent")
    assert "row 1, filter: instrument" in message and "has no filter 'sdssu'" in message
    assert "row 6, mjd: the same point as row 0" in message
    assert writes(skyportal_server) == []


@pytest.mark.parametrize("columns, expected", [
    ({"mjd": [1.0], "filter": ["ztfg"], "mag": [19.0], "magerr": [0.1], "flux": [5.0]}, "mag, magerr, flux"),
    ({"mjd": [1.0], "filter": ["ztfg"]}, "no photometry"),
    ({"mjd": [1.0], "filter": ["ztfg"], "flux": [5.0], "fluxerr": [1.0]}, "column zp: required column is missing"),
    ({"mjd": [1.0], "filter": ["ztfg"], "mag": [19.0], "magerr": [0.1], "snr": [9.0]},
     "column snr: SkyPortal does not accept this column"),
    ({"mjd": [], "filter": [], "mag": [], "magerr": []}, "no rows"),
])
def test_column_problems_are_named(api_client, skyportal_provisioned, columns, expected):
    with pytest.raises(UploadValidationError, match=expected):
        upload_photometry(api_client, columns, obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id)


@pytest.mark.parametrize("instrument_id", [987654, -1])
def test_an_unknown_instrument_is_a_row_problem(api_client, skyportal_provisioned, instrument_id):
    with pytest.raises(UploadValidationError, match=f"row 0, instrument_id: there is no instrument {instrument_id} on the server$"):
        upload_photometry(api_client, {"mjd": [1.0], "filter": "ztfg", "mag": 19.0, "magerr": 0.1},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=instrument_id)


def test_a_missing_or_listed_instrument_id_is_a_column_problem_not_a_crash(api_client, skyportal_provisioned):
    columns = {"mjd": [1.0, 2.0], "filter": "ztfg", "mag": 19.0, "magerr": 0.1}
    with pytest.raises(UploadValidationError, match="instrument_id"):
        upload_photometry(api_client, columns, obj_id=skyportal_provisioned.obj_id)
    with pytest.raises(UploadValidationError, match="instrument_id"):
        upload_photometry(api_client, dict(columns, instrument_id=[[1], [1]]), obj_id=skyportal_provisioned.obj_id)


def test_an_object_id_with_a_trailing_newline_is_refused(api_client, skyportal_server, skyportal_provisioned):
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError, match="obj_id"):
        upload_photometry(api_client, {"mjd": [1.0], "filter": "ztfg", "mag": 19.0, "magerr": 0.1},
                          obj_id=skyportal_provisioned.obj_id + "\n", instrument_id=skyportal_provisioned.instrument_id)
    assert writes(skyportal_server) == []


@pytest.mark.parametrize("group_ids", ["public", [1, "2"], [True], 5])
def test_group_ids_that_are_no_list_of_ids_are_refused(api_client, skyportal_server, skyportal_provisioned, group_ids):
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ApiValueError, match='group_ids must be a list of group ids .* or "all"'):
        upload_photometry(api_client, {"mjd": [1.0], "filter": "ztfg", "mag": 19.0, "magerr": 0.1},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id,
                          group_ids=group_ids)
    assert writes(skyportal_server) == []


def test_numpy_scalars_are_plain_values(api_client, skyportal_provisioned):
    numpy = pytest.importorskip("numpy")
    result = upload_photometry(api_client, {"mjd": numpy.array(fresh_mjds(2)), "filter": numpy.str_("ztfg"),
                                            "mag": numpy.float32(19.0), "magerr": 0.1},
                               obj_id=skyportal_provisioned.obj_id,
                               instrument_id=numpy.int64(skyportal_provisioned.instrument_id))
    assert len(result.ids) == 2


def test_a_manifest_missing_its_fields_is_a_manifest_error(tmp_path):
    manifest = tmp_path / "broken.json"
    manifest.write_text(json.dumps({"format": "skyportal-client upload manifest", "version": 1}))
    with pytest.raises(ManifestError, match="lacks host, method, rows, chunks"):
        UploadRecord.load(manifest)


# -- chunking, ids, progress, the manifest -----------------------------------------------


def test_rows_go_by_object_in_chunks_and_ids_come_back_in_input_order(api_client, skyportal, skyportal_server,
                                                                      skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    other = create_source(skyportal.url, skyportal.token, setup.group_id)
    mjds = fresh_mjds(7)
    rows = [{"obj_id": (setup.obj_id, other)[row % 2], "mjd": mjd, "flux": 100.0 + row, "fluxerr": 2.0,
             "zp": 23.9, "filter": "ztfr"} for row, mjd in enumerate(mjds)]
    manifest = tmp_path / "manifest.json"
    seen = []

    def progress(done, total):
        landed = [entry for entry in json.loads(manifest.read_text())["chunks"] if entry["state"] == LANDED]
        seen.append((done, total, sum(entry["rows"] for entry in landed)))

    skyportal_server.clear_requests()
    result = upload_photometry(api_client, rows, instrument_id=setup.instrument_id, group_ids=[setup.group_id],
                               chunk_size=2, manifest=manifest, progress=progress)
    # 4 rows of the first object in chunks of 2, 3 of the other in 2 + 1: four POSTs, and the
    # manifest on disk records each chunk before progress reports it.
    assert [record.method for record in writes(skyportal_server)] == ["POST"] * 4
    assert seen == [(2, 7, 2), (4, 7, 4), (6, 7, 6), (7, 7, 7)]
    assert len(set(result.upload_ids)) == 4 and result.sent == 4 and result.skipped == 0
    by_id = {point["id"]: point for obj_id in (setup.obj_id, other)
             for point in get_light_curve(api_client, obj_id, format="flux")}
    assert [(by_id[point_id]["obj_id"], by_id[point_id]["flux"]) for point_id in result.ids] == \
        [(row["obj_id"], row["flux"]) for row in rows]
    assert all(setup.group_id in [group["id"] for group in by_id[point_id]["groups"]] for point_id in result.ids)
    assert os.listdir(tmp_path) == ["manifest.json"]  # no temporary file left behind


def test_put_uploads_are_safe_to_repeat(api_client, skyportal_server, skyportal_provisioned):
    setup = skyportal_provisioned
    columns = light_curve_columns(30, fresh_mjds(30))
    first = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                              method="put", chunk_size=10)
    count = skyportal_server.photometry_count()
    again = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                              method="put", chunk_size=10)
    assert again.ids == first.ids and first.upload_ids == [] and again.sent == 3
    assert skyportal_server.photometry_count() == count


def test_a_refused_post_leaves_its_chunk_pending(api_client, skyportal_server, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    columns = light_curve_columns(3, fresh_mjds(3))
    upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    count = skyportal_server.photometry_count()
    manifest = tmp_path / "manifest.json"
    with pytest.raises(skyportal_client.BadRequestException, match="already exists"):
        upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                          manifest=manifest)
    assert [entry["state"] for entry in json.loads(manifest.read_text())["chunks"]] == ["pending"]
    assert skyportal_server.photometry_count() == count


def test_a_manifest_is_only_reused_for_the_same_upload(api_client, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    manifest = tmp_path / "manifest.json"
    columns = light_curve_columns(5, fresh_mjds(5))
    upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id, manifest=manifest)
    with pytest.raises(ManifestError, match="written for other data"):
        upload_photometry(api_client, dict(columns, mag=[19.0] * 5), obj_id=setup.obj_id,
                          instrument_id=setup.instrument_id, manifest=manifest)
    with pytest.raises(ManifestError, match="use method='post' to finish it"):
        upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                          manifest=manifest, method="put")
    # The same call again finds everything landed and sends nothing.
    again = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                              manifest=manifest)
    assert (again.sent, again.skipped, len(again.ids)) == (0, 1, 5)


def test_a_manifest_of_the_first_layout_is_resumed_and_rolled_back(api_client, skyportal_server,
                                                                  skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    columns = light_curve_columns(4, fresh_mjds(4))
    options = {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "chunk_size": 2}
    plan = plan_upload(api_client, columns, **options)
    first = upload_photometry(api_client, {name: values[:2] for name, values in columns.items()}, **options)
    # A manifest as version 1 writes it, by hand: the first chunk landed, the second not sent.
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({
        "format": "skyportal-client upload manifest", "version": 1, "host": api_client.configuration.host,
        "method": "post", "rows": 4,
        "chunks": [{"obj_id": setup.obj_id, "rows": 2, "digest": plan.chunks[0].digest, "state": "landed",
                    "sent_with": "post", "ids": first.ids, "upload_id": first.upload_ids[0]},
                   {"obj_id": setup.obj_id, "rows": 2, "digest": plan.chunks[1].digest, "state": "pending",
                    "sent_with": None, "ids": [], "upload_id": None}]}))
    skyportal_server.clear_requests()
    resumed = upload_photometry(api_client, columns, manifest=manifest, **options)
    assert [record.method for record in writes(skyportal_server)] == ["POST"]
    assert (resumed.sent, resumed.skipped, resumed.ids[:2]) == (1, 1, first.ids)
    assert resumed.upload_ids[0] == first.upload_ids[0] and len(resumed.upload_ids) == 2
    written = json.loads(manifest.read_text())
    assert (written["version"], [entry["rows"] for entry in written["chunks"]]) == (1, [2, 2])
    assert counts(rollback(api_client, manifest)) == (4, 0, 0)
    assert not set(resumed.ids) & {point["id"] for point in get_light_curve(api_client, setup.obj_id)}


@pytest.mark.parametrize("content, message", [
    ("{\"format\": \"skyportal-client upload manifest\", \"vers", r"Cannot read the upload manifest .*m\.json: .*"
                                                                 r"Pass the manifest= file of the upload"),
    ("[1, 2]", r"m\.json is not an upload manifest written by skyportal_client: pass the manifest= file"),
    (json.dumps({"format": "skyportal-client upload manifest", "version": 2}),
     r"m\.json is a version 2 upload manifest; this client reads version 1: finish or roll back that upload "
     "with the skyportal_client version that wrote it"),
])
def test_a_manifest_that_cannot_be_used_is_named_with_the_fix(api_client, skyportal_server, skyportal_provisioned,
                                                              tmp_path, content, message):
    manifest = tmp_path / "m.json"
    manifest.write_text(content)
    skyportal_server.clear_requests()
    with pytest.raises(ManifestError, match=message):
        rollback(api_client, manifest)
    with pytest.raises(ManifestError, match=message):
        upload_photometry(api_client, light_curve_columns(2, fresh_mjds(2)), obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id, manifest=manifest)
    assert writes(skyportal_server) == []


# -- 100 000 points, interrupted and resumed ---------------------------------------------


def assert_read_back_equals(api_client, obj_id, columns):
    """The object's points, read in mag and in flux, are the uploaded ones to within 1e-9."""
    read = {point["mjd"]: point for point in get_light_curve(api_client, obj_id, format="both")}
    assert sorted(read) == sorted(columns["mjd"])
    differences = []
    for mjd, mag, magerr, limit in zip(columns["mjd"], columns["mag"], columns["magerr"], columns["limiting_mag"]):
        point = read[mjd]
        if mag is None:
            assert point["mag"] is None and point["flux"] is None
            differences += [point["limiting_mag"] - limit, point["fluxerr"] - limiting_mag_to_fluxerr(limit)]
        else:
            flux, fluxerr = mag_to_flux(mag, magerr)
            differences += [point["mag"] - mag, point["magerr"] - magerr,
                            point["flux"] - flux, point["fluxerr"] - fluxerr]
    assert max(map(abs, differences)) < 1e-9


@pytest.fixture
def own_server(skyportal_server, tmp_path):
    """A server of its own, on a database file, so that a test can stop and restart it, and
    so that 100 000 points do not slow the other tests' unfiltered range queries."""
    server = SkyPortalTestServer(db_path=str(tmp_path / "skyportal.sqlite")).start()
    yield server
    server.stop()


# Each recovery in ten chunks: of 100 points in the quick run, and of the default size, the
# 10 000 points the server takes at most (100 000 in all), in the slow one.
TEN_CHUNKS = [pytest.param(100, id="chunks of 100"), pytest.param(None, id="chunks of 10000", marks=pytest.mark.slow)]


@pytest.mark.parametrize("chunk_size", TEN_CHUNKS)
def test_ten_chunks_from_columns_land_once_when_an_answer_is_lost(own_server, tmp_path, chunk_size):
    server = own_server
    setup = provision(server.url, server.token)
    per_chunk = chunk_size or largest_chunk(1)
    points = 10 * per_chunk
    columns = light_curve_columns(points, [59000 + row * 0.0001 for row in range(points)])
    manifest = tmp_path / "upload.json"

    def lose_the_fourth_answer(done, total):
        if done == 3 * per_chunk:
            # The 4th POST is stored but its answer lost; the PUTs that would settle it
            # all fail, so the upload stops with that chunk unacknowledged.
            server.inject_fault("drop-after", methods=["POST"])
            server.inject_fault("drop-before", count=4, methods=["PUT"])

    upload = dict(obj_id=setup.obj_id, instrument_id=setup.instrument_id, manifest=manifest, chunk_size=chunk_size)
    with make_client(server) as api_client:
        with pytest.raises(skyportal_client.ApiConnectionError):
            upload_photometry(api_client, columns, progress=lose_the_fourth_answer, **upload)
        states = [entry["state"] for entry in json.loads(manifest.read_text())["chunks"]]
        assert states == [LANDED] * 3 + [UNACKNOWLEDGED] + ["pending"] * 6
        assert server.photometry_count() == 4 * per_chunk

        result = upload_photometry(api_client, columns, **upload)
        assert server.photometry_count() == points
        assert (result.sent, result.skipped, len(set(result.ids))) == (7, 3, points)
        assert None not in result.ids
        # The unanswered POST was sent again once in each call, refused as already stored
        # (writing nothing), and the chunk then settled by PUT; 9 chunks have upload_ids.
        methods = [(record.method, record.status) for record in writes(server)]
        assert methods.count(("POST", 200)) == 9 and methods.count(("POST", None)) == 1
        assert methods.count(("POST", 400)) == 2 and methods.count(("PUT", 200)) == 1
        assert len(result.upload_ids) == 9
        assert_read_back_equals(api_client, setup.obj_id, columns)


@pytest.mark.parametrize("chunk_size", TEN_CHUNKS)
def test_ten_chunks_from_a_dataframe_land_once_when_the_server_is_stopped(own_server, tmp_path, chunk_size):
    pandas = pytest.importorskip("pandas")
    server = own_server
    setup = provision(server.url, server.token)
    per_chunk = chunk_size or largest_chunk(1)
    points = 10 * per_chunk
    mjds = [59000 + row * 0.0001 for row in range(points)]
    frame = pandas.DataFrame(light_curve_columns(points, mjds))  # non-detections: NaN mag and magerr
    manifest = tmp_path / "upload.json"
    upload = dict(obj_id=setup.obj_id, instrument_id=setup.instrument_id, manifest=manifest, chunk_size=chunk_size,
                  nan_as_nondetection=True)
    stopper = threading.Thread(target=server.stop)

    def stop_the_server_after_two_chunks(done, total):
        if done == 2 * per_chunk:
            stopper.start()
            if chunk_size is not None:  # small chunks would all go before the stop: let it finish first
                stopper.join()

    with make_client(server) as api_client, pytest.raises(skyportal_client.ApiConnectionError):
        upload_photometry(api_client, frame, progress=stop_the_server_after_two_chunks, **upload)
    stopper.join()
    server.start()
    landed_before_the_stop = server.photometry_count()
    assert 2 * per_chunk <= landed_before_the_stop < points

    with make_client(server) as api_client:
        result = upload_photometry(api_client, frame, **upload)
        assert server.photometry_count() == points
        assert result.skipped >= 2 and result.sent + result.skipped == 10 and len(set(result.ids)) == points


# -- rollback ---------------------------------------------------------------------------


def test_rollback_leaves_the_object_as_it_was(api_client, skyportal_server, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    upload_photometry(api_client, light_curve_columns(3, fresh_mjds(3)), obj_id=setup.obj_id,
                      instrument_id=setup.instrument_id)
    before = get_light_curve(api_client, setup.obj_id, format="both")
    manifest = tmp_path / "upload.json"

    def lose_the_second_answer(done, total):
        if done == 10:
            skyportal_server.inject_fault("drop-after", methods=["POST"])

    # Chunk 2's answer is lost and it is settled by PUT: it has ids but no upload_id.
    columns = light_curve_columns(25, fresh_mjds(25))
    result = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                               manifest=manifest, chunk_size=10, progress=lose_the_second_answer)
    assert len(result.upload_ids) == 2 and len(get_light_curve(api_client, setup.obj_id)) == 28

    # The settled chunk's ids could include points stored before: kept until the user says otherwise.
    with pytest.raises(RollbackIncomplete, match=r"Removed 15 points.*chunk 1: ids .*delete_settled=True") as kept:
        rollback(api_client, manifest)
    assert counts(kept.value.result) == (15, 0, 10)
    assert isinstance(kept.value, ManifestError)
    assert len(get_light_curve(api_client, setup.obj_id)) == 3 + 10
    assert counts(rollback(api_client, manifest, delete_settled=True)) == (10, 15, 0)
    assert get_light_curve(api_client, setup.obj_id, format="both") == before
    entries = json.loads(manifest.read_text())["chunks"]
    assert [entry["state"] for entry in entries] == [ROLLED_BACK] * 3
    assert [entry["sent_with"] for entry in entries] == ["post", "put", "post"]
    assert counts(rollback(api_client, manifest)) == (0, 25, 0)  # nothing left to remove
    with pytest.raises(ManifestError, match="rolled back"):
        upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                          manifest=manifest, chunk_size=10)


def test_rollback_keeps_points_stored_before_an_unanswered_post(api_client, skyportal_server, skyportal_provisioned,
                                                                tmp_path):
    """The POST of a chunk with a point already stored is refused, its answer lost; the chunk is
    then settled by PUT, whose ids include the old point: rollback must not delete it."""
    setup = skyportal_provisioned
    columns = light_curve_columns(4, fresh_mjds(4))
    old = {name: values[:1] if isinstance(values, list) else values for name, values in columns.items()}
    upload_photometry(api_client, old, obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    stored_before = [point["id"] for point in get_light_curve(api_client, setup.obj_id)]
    manifest = tmp_path / "upload.json"
    skyportal_server.inject_fault("drop-after", methods=["POST"])
    upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id, manifest=manifest)
    with pytest.raises(ManifestError, match="settled by PUT"):
        rollback(api_client, manifest)
    assert [point["id"] for point in get_light_curve(api_client, setup.obj_id)][:1] == stored_before


def test_rollback_refuses_what_it_cannot_undo(api_client, skyportal_server, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    put_manifest = tmp_path / "put.json"
    upload_photometry(api_client, light_curve_columns(2, fresh_mjds(2)), obj_id=setup.obj_id,
                      instrument_id=setup.instrument_id, method="put", manifest=put_manifest)
    with pytest.raises(ManifestError, match="PUT upload, which cannot be rolled back"):
        rollback(api_client, put_manifest)

    unsettled = tmp_path / "unsettled.json"
    skyportal_server.inject_fault("drop-after", methods=["POST"])
    skyportal_server.inject_fault("drop-before", count=4, methods=["PUT"])
    count = skyportal_server.photometry_count()
    with pytest.raises(skyportal_client.ApiConnectionError):
        upload_photometry(api_client, light_curve_columns(2, fresh_mjds(2)), obj_id=setup.obj_id,
                          instrument_id=setup.instrument_id, manifest=unsettled)
    with pytest.raises(ManifestError, match="run the upload again with this manifest to settle them"):
        rollback(api_client, unsettled)
    assert skyportal_server.photometry_count() == count + 2


def test_plan_upload_checks_and_splits_without_sending(api_client, skyportal_server, skyportal_provisioned):
    setup = skyportal_provisioned
    skyportal_server.clear_requests()
    plan = plan_upload(api_client, light_curve_columns(25_000, fresh_mjds(25_000)), obj_id=setup.obj_id,
                       instrument_id=setup.instrument_id)
    assert (plan.space, plan.row_count, [len(chunk.rows) for chunk in plan.chunks]) == \
        ("mag", 25_000, [10_000, 10_000, 5_000])
    assert [record.method for record in skyportal_server.requests] == ["GET"]
