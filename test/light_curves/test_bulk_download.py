"""download_light_curves and sync_light_curves over HTTP: the rate limit shared by the workers,
conditional requests and 304s, the cache files, damaged and interrupted runs, one result per object."""

import csv
import json
import os
import sys
import time

import pytest
from support.light_curve_samples import add_points, new_objects, objects_with_points
from support.rate_limits import SPEEDUP
from support.upload_bodies import fresh_mjds

import skyportal_client
from skyportal_client._light_curves.cache import MARKER_NAME
from skyportal_client._light_curves.download import (
    FAILED,
    FETCHED,
    UNCHANGED,
    download_light_curves,
    sync_light_curves,
)
from skyportal_client._light_curves.read import get_light_curve
from skyportal_client._uploads.pipeline import upload_photometry
from skyportal_client.exceptions import (
    ApiTypeError,
    ApiValueError,
    CacheError,
    NoCacheError,
)


@pytest.fixture
def client(skyportal, configuration):
    """The tests' client; against a real SkyPortal, with SkyPortal's own rate limit, so that its
    nginx is not hammered by the download threads."""
    if not skyportal.embedded:
        configuration = configuration.replace(rate_limit=5.0)
    with skyportal_client.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def three(skyportal, skyportal_provisioned, client):
    """Three objects with three points each (the third a non-detection)."""
    return objects_with_points(skyportal, skyportal_provisioned, client, 3)


def statuses(report):
    return [result.status for result in report]


def gets(server):
    return [record for record in server.requests if record.method == "GET"]


# -- the acceptance run: 200 objects under SkyPortal's rate limit ---------------------------------


@pytest.mark.slow
def test_200_objects_under_the_rate_limit_then_304s_then_only_what_changed(skyportal, skyportal_server,
                                                                            skyportal_provisioned, tmp_path):
    """The embedded server limits like SkyPortal's nginx (5/s, bursts of 10), and the client
    keeps to the same limit by default: four threads sharing it never get a 429."""
    setup = skyportal_provisioned
    default = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token)
    assert (default.rate_limit, default.rate_limit_burst) == (5.0, 10)
    configuration = default.replace(rate_limit=default.rate_limit * SPEEDUP)
    obj_ids = new_objects(skyportal, setup, 200)
    with skyportal_client.ApiClient(configuration) as api_client:
        add_points(api_client, setup, obj_ids)
        skyportal_server.set_rate_limit(5.0 * SPEEDUP, 10)

        skyportal_server.clear_requests()
        first = download_light_curves(api_client, obj_ids, cache=tmp_path, as_=None)
        assert statuses(first) == [FETCHED] * 200 and [result.obj_id for result in first] == obj_ids
        assert [record.status for record in skyportal_server.requests] == [200] * 200
        assert all(record.body_bytes > 0 for record in skyportal_server.requests)

        skyportal_server.clear_requests()
        second = download_light_curves(api_client, obj_ids, cache=tmp_path, as_=None)
        assert statuses(second) == [UNCHANGED] * 200
        assert [record.status for record in skyportal_server.requests] == [304] * 200
        assert sum(record.body_bytes for record in skyportal_server.requests) == 0

        changed = [obj_ids[7], obj_ids[100], obj_ids[199]]
        add_points(api_client, setup, changed, per_object=1)
        skyportal_server.clear_requests()
        third = download_light_curves(api_client, obj_ids, cache=tmp_path, as_=None)
    assert [result.obj_id for result in third.fetched] == changed
    assert {result.reason for result in third.fetched} == {"changed on the server"}
    assert [result.points for result in third.fetched] == [4, 4, 4] and len(third.unchanged) == 197
    answered = gets(skyportal_server)
    assert sorted(record.status for record in answered) == [200] * 3 + [304] * 197
    assert sorted(record.path.split("/")[3] for record in answered if record.status == 200) == sorted(changed)


# -- the cache ------------------------------------------------------------------------------------


def test_the_cache_holds_one_csv_per_object_that_pandas_and_astropy_read_as_it_is(client, three, tmp_path):
    report = download_light_curves(client, three, cache=tmp_path, as_="records")
    assert statuses(report) == [FETCHED] * 3 and {result.reason for result in report} == {"new"}
    names = sorted(os.listdir(tmp_path))
    assert names == sorted([MARKER_NAME] + [f"{obj_id}.mag.ab.{suffix}" for obj_id in three
                                            for suffix in ("csv", "json")])
    marker = json.loads((tmp_path / MARKER_NAME).read_text())
    assert marker == {"format": "skyportal-client light curve cache", "version": 1, "server": client.configuration.host}
    obj_id = three[0]
    sidecar = json.loads((tmp_path / f"{obj_id}.mag.ab.json").read_text())
    assert sidecar["obj_id"] == obj_id and sidecar["asked"] == {"format": "mag", "magsys": "ab"}
    assert sidecar["etag"] and sidecar["points"] == 3 and sidecar["fetched_at"] == sidecar["checked_at"]
    assert sidecar["csv"]["columns"]["mjd"] == "float" and sidecar["csv"]["columns"]["groups"] == "json"

    path = report.results[0].path
    assert path == str(tmp_path / f"{obj_id}.mag.ab.csv")
    server_points = get_light_curve(client, obj_id)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [float(row["mjd"]) for row in rows] == [point["mjd"] for point in server_points]
    assert rows[2]["mag"] == "" and float(rows[2]["limiting_mag"]) == 21.0
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(path)
    assert list(frame["mjd"]) == [point["mjd"] for point in server_points]
    assert list(frame["filter"]) == ["ztfg", "ztfr", "ztfi"] and pandas.isna(frame["mag"][2])
    table = pytest.importorskip("astropy.table").Table.read(path, format="ascii.csv")
    assert list(table["mjd"]) == [point["mjd"] for point in server_points] and table["mag"].mask[2]


def test_a_light_curve_read_from_the_cache_is_the_one_the_server_sent(client, three, tmp_path):
    fetched = download_light_curves(client, three, cache=tmp_path)
    again = download_light_curves(client, three, cache=tmp_path)
    assert statuses(again) == [UNCHANGED] * 3
    assert {result.reason for result in again} == {"not modified on the server (304)"}
    for obj_id in three:
        server_points = get_light_curve(client, obj_id)
        assert fetched.light_curves[obj_id] == server_points
        assert again.light_curves[obj_id] == server_points  # same values, same types, groups as lists
        assert type(again.light_curves[obj_id][0]["id"]) is int


def test_tables_from_the_cache_match_tables_from_the_server(client, three, tmp_path):
    pytest.importorskip("astropy")
    pytest.importorskip("pandas")
    for as_ in ("astropy", "pandas"):
        fetched = download_light_curves(client, three[:1], cache=tmp_path / as_, format="both", as_=as_)
        cached = download_light_curves(client, three[:1], cache=tmp_path / as_, format="both", as_=as_)
        assert statuses(cached) == [UNCHANGED]
        table, again = fetched.light_curves[three[0]], cached.light_curves[three[0]]
        if as_ == "astropy":
            assert table.colnames == again.colnames and table["flux"].unit == again["flux"].unit
            assert list(table["flux"].mask) == list(again["flux"].mask) == [False, False, True]
        else:
            assert table.equals(again)


def test_each_format_and_magnitude_system_has_its_own_file(client, skyportal, skyportal_provisioned, tmp_path):
    (obj_id,) = new_objects(skyportal, skyportal_provisioned, 1)
    add_points(client, skyportal_provisioned, [obj_id], bands=("ztfg",))  # the embedded server's one Vega band
    for format in ("mag", "flux", "both"):
        download_light_curves(client, [obj_id], cache=tmp_path, format=format, as_=None)
    vega = download_light_curves(client, [obj_id], cache=tmp_path, magsys="vega")
    csv_files = sorted(name for name in os.listdir(tmp_path) if name.endswith(".csv"))
    assert csv_files == [f"{obj_id}.{space}.csv" for space in ("both.ab", "flux.ab", "mag.ab", "mag.vega")]
    assert statuses(vega) == [FETCHED] and vega.light_curves[obj_id][0]["magsys"] == "vega"
    with open(tmp_path / f"{obj_id}.flux.ab.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert "flux" in header and "mag" not in header


def test_without_a_cache_every_object_is_downloaded(client, three):
    report = download_light_curves(client, three)
    assert statuses(report) == [FETCHED] * 3 and {result.path for result in report} == {None}
    assert {result.reason for result in report} == {"downloaded"}
    assert [len(report.light_curves[obj_id]) for obj_id in three] == [3, 3, 3]


def test_a_gzipped_answer_is_revalidated_with_its_weak_etag(client, skyportal, skyportal_provisioned, tmp_path):
    """A body of 1000 bytes or more comes gzipped, and nginx makes its Etag weak; sent back as
    is, it still matches."""
    (obj_id,) = new_objects(skyportal, skyportal_provisioned, 1)
    add_points(client, skyportal_provisioned, [obj_id], per_object=12)
    download_light_curves(client, [obj_id], cache=tmp_path, as_=None)
    sidecar = json.loads((tmp_path / f"{obj_id}.mag.ab.json").read_text())
    assert sidecar["etag"].startswith('W/"')
    assert statuses(download_light_curves(client, [obj_id], cache=tmp_path, as_=None)) == [UNCHANGED]


def test_an_object_without_photometry_is_cached_too(client, skyportal, skyportal_provisioned, tmp_path):
    (obj_id,) = new_objects(skyportal, skyportal_provisioned, 1)
    first = download_light_curves(client, [obj_id], cache=tmp_path)
    second = download_light_curves(client, [obj_id], cache=tmp_path)
    assert (statuses(first), statuses(second)) == ([FETCHED], [UNCHANGED])
    assert second.light_curves == {obj_id: []} and second.results[0].points == 0


# -- damaged files and interrupted runs ------------------------------------------------------------


def test_a_truncated_cache_file_is_detected_and_fetched_again(client, three, tmp_path, skyportal):
    download_light_curves(client, three, cache=tmp_path, as_=None)
    path = tmp_path / f"{three[1]}.mag.ab.csv"
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) // 2])
    report = download_light_curves(client, three, cache=tmp_path)
    assert statuses(report) == [UNCHANGED, FETCHED, UNCHANGED]
    assert report.results[1].reason.startswith("the cached file was cut short or changed")
    assert path.read_bytes() == whole
    assert report.light_curves[three[1]] == get_light_curve(client, three[1])


@pytest.mark.parametrize("damage", ["sidecar missing", "sidecar cut", "sidecar of another object",
                                    "csv of another object"])
def test_a_cache_entry_that_does_not_hold_together_is_fetched_again(client, three, tmp_path, damage):
    download_light_curves(client, three, cache=tmp_path, as_=None)
    first, second = (f"{obj_id}.mag.ab" for obj_id in three[:2])
    sidecar = tmp_path / f"{first}.json"
    if damage == "sidecar missing":  # a crash between the two files of a first download
        sidecar.unlink()
    elif damage == "sidecar cut":
        sidecar.write_bytes(sidecar.read_bytes()[:40])
    elif damage == "sidecar of another object":
        sidecar.write_bytes((tmp_path / f"{second}.json").read_bytes())
    else:  # two runs at once, each finishing one of the files
        (tmp_path / f"{first}.csv").write_bytes((tmp_path / f"{second}.csv").read_bytes())
    report = download_light_curves(client, three, cache=tmp_path)
    assert statuses(report) == [FETCHED, UNCHANGED, UNCHANGED]
    assert report.light_curves[three[0]] == get_light_curve(client, three[0])


def test_an_interrupted_run_resumes_without_fetching_again_what_it_cached(client, skyportal_server,
                                                                           skyportal, skyportal_provisioned,
                                                                           tmp_path):
    obj_ids = new_objects(skyportal, skyportal_provisioned, 12)
    add_points(client, skyportal_provisioned, obj_ids)

    def interrupt_after_five(result, done, total):
        if done == 5:
            raise KeyboardInterrupt

    skyportal_server.clear_requests()
    skyportal_server.inject_fault("slow", count=12, delay=0.05)  # so that the run is still under way at the fifth
    with pytest.raises(KeyboardInterrupt):
        download_light_curves(client, obj_ids, cache=tmp_path, workers=2, progress=interrupt_after_five)
    asked = {record.path.split("/")[3] for record in gets(skyportal_server)}
    assert 5 <= len(asked) < 12, "the requests not yet started were dropped"
    cached = {name.split(".")[0] for name in os.listdir(tmp_path) if name.endswith(".json") and name != MARKER_NAME}
    assert cached == asked, "every request that went out finished, and wrote its files whole"

    skyportal_server.clear_requests()
    report = download_light_curves(client, obj_ids, cache=tmp_path, as_=None)
    assert {result.obj_id for result in report.unchanged} == cached
    assert {result.obj_id for result in report.fetched} == set(obj_ids) - cached
    assert sorted(record.status for record in gets(skyportal_server)) == \
        [200] * (12 - len(cached)) + [304] * len(cached)


def test_within_max_age_the_cache_is_used_without_asking(client, three, tmp_path, skyportal_server):
    download_light_curves(client, three, cache=tmp_path, as_=None)
    skyportal_server.clear_requests()
    report = download_light_curves(client, three, cache=tmp_path, max_age=3600)
    assert statuses(report) == [UNCHANGED] * 3 and skyportal_server.requests == []
    assert report.results[0].reason.endswith("s ago, within max_age: not asked")
    assert report.light_curves[three[0]][0]["obj_id"] == three[0]
    assert statuses(download_light_curves(client, three, cache=tmp_path, max_age=0)) == [UNCHANGED] * 3
    assert [record.status for record in skyportal_server.requests] == [304] * 3


def test_a_304_records_when_the_server_confirmed_the_file(client, three, tmp_path):
    download_light_curves(client, three[:1], cache=tmp_path, as_=None)
    path = tmp_path / f"{three[0]}.mag.ab.json"
    before = json.loads(path.read_text())
    time.sleep(1.1)  # the times are kept to the second
    download_light_curves(client, three[:1], cache=tmp_path, as_=None)
    after = json.loads(path.read_text())
    assert after["fetched_at"] == before["fetched_at"] and after["checked_at"] > before["checked_at"]


def test_files_left_by_a_killed_write_are_removed_once_stale(client, three, tmp_path):
    download_light_curves(client, three[:1], cache=tmp_path, as_=None)
    stale, fresh = tmp_path / f".{three[0]}.mag.ab.csv.x1.partial", tmp_path / f".{three[0]}.mag.ab.csv.x2.partial"
    stale.write_text("id,mj")
    fresh.write_text("id,mj")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert statuses(download_light_curves(client, three[:1], cache=tmp_path, as_=None)) == [UNCHANGED]
    assert not stale.exists() and fresh.exists(), "a recent one may be another run's, still being written"


# -- failures ---------------------------------------------------------------------------------------


def test_one_object_failing_never_stops_the_others(client, three, tmp_path):
    report = download_light_curves(client, [three[0], "ZTFnosuchobject0", "bad/id", three[1]], cache=tmp_path)
    assert statuses(report) == [FETCHED, FAILED, FAILED, FETCHED]
    missing, bad = report.results[1], report.results[2]
    assert isinstance(missing.error, skyportal_client.ForbiddenException) and "403" in missing.reason
    assert isinstance(bad.error, skyportal_client.ApiValueError) and "cannot be sent" in bad.reason
    assert missing.light_curve is None and missing.path is None
    assert report.summary() == "4 objects: 2 fetched, 0 unchanged, 2 failed"
    assert set(report.light_curves) == {three[0], three[1]}
    assert missing.describe().startswith("ZTFnosuchobject0: failed (")


def test_a_server_error_for_one_object_fails_only_that_one(client, three, tmp_path, skyportal_server):
    skyportal_server.inject_fault("status-503", count=4, methods=["GET"])  # the first request and its 3 retries
    report = download_light_curves(client, three, cache=tmp_path, workers=1)
    assert statuses(report) == [FAILED, FETCHED, FETCHED]
    assert isinstance(report.results[0].error, skyportal_client.ServiceException)
    assert "503" in report.results[0].reason and "[after 4 attempts]" in report.results[0].reason
    assert not (tmp_path / f"{three[0]}.mag.ab.csv").exists()
    assert statuses(download_light_curves(client, three, cache=tmp_path)) == [FETCHED, UNCHANGED, UNCHANGED]


def test_after_a_401_nothing_more_is_sent(skyportal, skyportal_server, three, tmp_path):
    configuration = skyportal_client.Configuration(host=skyportal.url, token="00000000-0000-0000-0000-000000000000",
                                                   rate_limit=None)
    skyportal_server.clear_requests()
    with skyportal_client.ApiClient(configuration) as api_client:
        report = download_light_curves(api_client, three + [f"{three[0]}x{n}" for n in range(20)],
                                       cache=tmp_path, workers=1)
    assert statuses(report) == [FAILED] * 23 and len(skyportal_server.requests) == 1
    assert isinstance(report.results[0].error, skyportal_client.UnauthorizedException)
    assert report.results[5].reason.startswith("not sent, after a 401 for another object: ")


def test_a_cache_of_another_server_is_refused_before_anything_is_sent(client, three, tmp_path, skyportal_server):
    (tmp_path / MARKER_NAME).write_text(json.dumps({"format": "skyportal-client light curve cache", "version": 1,
                                                    "server": "https://fritz.science"}))
    skyportal_server.clear_requests()
    with pytest.raises(CacheError, match="caches the light curves of https://fritz.science, not of http"):
        download_light_curves(client, three, cache=tmp_path)
    with pytest.raises(CacheError, match="caches the light curves of https://fritz.science"):
        sync_light_curves(client, tmp_path)
    assert skyportal_server.requests == []


@pytest.mark.parametrize("marker, message", [
    ("{\"format\": ", r"Cannot read the light curve cache marker .*skyportal-cache\.json: .*Delete it to use its "
                    "directory as a new cache"),
    ("{}", r"skyportal-cache\.json is not a light curve cache marker written by skyportal_client: use another "
           "directory as the cache"),
    (json.dumps({"format": "skyportal-client light curve cache", "version": 2}),
     r"skyportal-cache\.json is a version 2 light curve cache marker; this client reads version 1: use another "
     "directory, or a client of that version"),
])
def test_a_cache_marker_that_cannot_be_used_is_named_with_the_fix(client, three, tmp_path, skyportal_server,
                                                                  marker, message):
    (tmp_path / MARKER_NAME).write_text(marker)
    skyportal_server.clear_requests()
    with pytest.raises(CacheError, match=message):
        download_light_curves(client, three, cache=tmp_path)
    assert skyportal_server.requests == []


def test_a_sidecar_of_another_version_is_fetched_again(client, three, tmp_path):
    download_light_curves(client, three[:1], cache=tmp_path, as_=None)
    sidecar = tmp_path / f"{three[0]}.mag.ab.json"
    sidecar.write_text(json.dumps(dict(json.loads(sidecar.read_text()), version=2)))
    report = download_light_curves(client, three[:1], cache=tmp_path)
    assert statuses(report) == [FETCHED]
    assert "is a version 2 cached light curve's sidecar" in report.results[0].reason
    assert json.loads(sidecar.read_text())["version"] == 1


@pytest.mark.parametrize("arguments, error, message", [
    ({"obj_ids": "ZTF21abc"}, ApiTypeError, "a list of ids, not the string 'ZTF21abc'"),
    ({"obj_ids": ["ZTF21abc", 7]}, ApiTypeError, "Every obj_id must be a string; got 7"),
    ({"format": "magnitude"}, ApiValueError, "format must be one of mag, flux, both"),
    ({"format": None}, ApiValueError, "format must be one of mag, flux, both; got None"),
    ({"magsys": "AB"}, ApiValueError, "magsys must be one of jla1, ab, vega"),
    ({"as_": "numpy"}, ApiValueError, "as_ must be one of records, astropy, pandas"),
    ({"workers": 0}, ApiValueError, "workers must be a whole number from 1 to the client's connection_pool_maxsize"),
    ({"workers": 11}, ApiValueError, r"\(10\), not 11; raise connection_pool_maxsize"),
    ({"max_age": -1}, ApiValueError, "max_age must be None or a number of seconds"),
    ({"progress": "yes"}, ApiTypeError, "progress must be None, True or a function"),
])
def test_bad_arguments_are_refused_before_anything_is_sent(client, skyportal_server, tmp_path, arguments, error,
                                                           message):
    call = {"obj_ids": ["ZTF21abc"], "cache": tmp_path, **arguments}
    skyportal_server.clear_requests()
    with pytest.raises(error, match=message):
        download_light_curves(client, call.pop("obj_ids"), **call)
    assert skyportal_server.requests == []


def test_an_id_given_twice_is_downloaded_once(client, three, skyportal_server):
    skyportal_server.clear_requests()
    report = download_light_curves(client, [three[0], three[1], three[0]])
    assert [result.obj_id for result in report] == three[:2] and len(skyportal_server.requests) == 2


# -- progress ---------------------------------------------------------------------------------------


def test_progress_is_a_bar_with_tqdm(client, three, capsys):
    pytest.importorskip("tqdm")
    download_light_curves(client, three, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "object" in err and ": fetched, 3 points" in err


def test_progress_is_a_line_per_object_without_tqdm(client, three, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    download_light_curves(client, three, cache=tmp_path, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" objects: ")[0] for line in lines] == ["1/3", "2/3", "3/3"]
    assert sorted(line.split(" objects: ")[1].split(":")[0] for line in lines) == sorted(three)
    assert all(line.endswith(" left") for line in lines[:-1]), "the time left, while unfinished"
    assert lines[-1].endswith(": fetched, 3 points (new)")


def test_progress_is_shown_as_for_an_upload(client, three, skyportal_provisioned, capsys, monkeypatch):
    """progress=True and a bad progress mean the same for a download as for an upload: without tqdm,
    lines of "done/in all" with the time left, and the same refusal before anything is sent."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    setup = skyportal_provisioned
    rows = [{"mjd": mjd, "mag": 19.0, "magerr": 0.1, "limiting_mag": 21.0, "filter": "ztfg"}
            for mjd in fresh_mjds(3)]
    upload_photometry(client, rows, obj_id=setup.obj_id, instrument_id=setup.instrument_id, magsys="ab",
                      method="put", chunk_size=2, progress=True)
    uploaded = capsys.readouterr().err.splitlines()
    download_light_curves(client, three, progress=True)
    downloaded = capsys.readouterr().err.splitlines()
    assert uploaded[0].startswith("2/3 points, ") and uploaded[0].endswith(" left")
    assert uploaded[-1] == "3/3 points"
    assert downloaded[0].startswith("1/3 objects: ") and downloaded[0].endswith(" left")
    assert downloaded[-1].startswith("3/3 objects: ") and not downloaded[-1].endswith(" left")
    for call in (lambda: upload_photometry(client, rows, obj_id=setup.obj_id, instrument_id=setup.instrument_id,
                                           magsys="ab", progress="yes"),
                 lambda: download_light_curves(client, three, progress="yes")):
        with pytest.raises(ApiTypeError, match="^progress must be None, True or a function of "):
            call()


def test_progress_can_be_a_function(client, three):
    seen = []
    report = download_light_curves(client, three, progress=lambda result, done, total: seen.append(
        (result.obj_id, done, total)))
    assert sorted(obj_id for obj_id, _, _ in seen) == sorted(three)
    assert [(done, total) for _, done, total in seen] == [(1, 3), (2, 3), (3, 3)]
    assert statuses(report) == [FETCHED] * 3


# -- sync ---------------------------------------------------------------------------------------------


def test_sync_refreshes_every_cached_light_curve_in_its_own_format(client, three, tmp_path, skyportal_server,
                                                                  skyportal_provisioned):
    download_light_curves(client, three, cache=tmp_path, as_=None)
    download_light_curves(client, three[:1], cache=tmp_path, format="flux", as_=None)
    add_points(client, skyportal_provisioned, three[2:], per_object=1)
    (tmp_path / "notes.txt").write_text("not a light curve")
    skyportal_server.clear_requests()
    report = sync_light_curves(client, tmp_path)
    assert sorted((result.obj_id, result.format, result.status) for result in report) == sorted(
        [(three[0], "flux", UNCHANGED), (three[0], "mag", UNCHANGED), (three[1], "mag", UNCHANGED),
         (three[2], "mag", FETCHED)])
    assert sorted(record.status for record in skyportal_server.requests) == [200, 304, 304, 304]
    assert report.light_curves == {}


def test_sync_of_a_directory_holding_no_cache_is_refused_and_makes_none(client, tmp_path, skyportal_server):
    """A typo in the directory must not pass for an empty cache: only a download makes one."""
    (tmp_path / "empty").mkdir()
    skyportal_server.clear_requests()
    with pytest.raises(NoCacheError, match=r"new holds no light curve cache \(it does not exist\): download"):
        sync_light_curves(client, tmp_path / "new")
    with pytest.raises(NoCacheError, match=f"empty holds no light curve cache \\(it has no {MARKER_NAME}\\)"):
        sync_light_curves(client, tmp_path / "empty")
    assert sorted(os.listdir(tmp_path)) == ["empty"] and os.listdir(tmp_path / "empty") == []
    assert skyportal_server.requests == []


def test_sync_of_a_cache_with_no_light_curves_does_nothing(client, tmp_path):
    download_light_curves(client, [], cache=tmp_path / "new")
    assert len(sync_light_curves(client, tmp_path / "new")) == 0
    assert os.listdir(tmp_path / "new") == [MARKER_NAME]
