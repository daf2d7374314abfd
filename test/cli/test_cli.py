"""The skyportal-photometry command line, run in-process (main) and as ``python -m skyportal_client.cli``."""

import csv
import json
import socket
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from support.upload_bodies import fresh_mjds, ten_thousand_rows_with_two_thousand_bad

from skyportal_client.cli import main


@pytest.fixture
def points_csv(tmp_path):
    """A CSV light curve of four points, the last a non-detection; returns (path, rows)."""
    rows = [{"mjd": mjd, "filter": band, "mag": mag, "magerr": magerr, "limiting_mag": limit}
            for mjd, band, mag, magerr, limit in zip(
                fresh_mjds(4), ("ztfg", "ztfr", "ztfi", "ztfg"), (19.1, 18.93, 18.7, None),
                (0.05, 0.04, 0.123, None), (None, 21.0, None, 21.2))]
    path = tmp_path / "points.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_csv_file_round_trips(capsys, environment_points_at_server, skyportal, skyportal_provisioned,
                                points_csv, tmp_path):
    setup = skyportal_provisioned
    path, rows = points_csv
    code, out, err = run(capsys, "upload", path, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    assert code == 0, err
    assert out.startswith("4 points landed (1 request sent, 0 already recorded in the manifest)\nupload_id ")

    for suffix in ("csv", "json"):
        output = tmp_path / f"out.{suffix}"
        code, _, err = run(capsys, "get", setup.obj_id, "-o", output)
        assert code == 0 and err == f"4 points written to {output}\n"
    with open(tmp_path / "out.csv", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [row["mjd"] for row in read] == [str(row["mjd"]) for row in rows]
    for got, sent in zip(read, rows):
        assert got["filter"] == sent["filter"] and got["obj_id"] == setup.obj_id
        if sent["mag"] is None:
            assert got["mag"] == got["magerr"] == "" and float(got["limiting_mag"]) == sent["limiting_mag"]
        else:
            assert abs(float(got["mag"]) - sent["mag"]) < 1e-9 and abs(float(got["magerr"]) - sent["magerr"]) < 1e-9
    assert [point["id"] for point in json.loads((tmp_path / "out.json").read_text())] == \
        [int(row["id"]) for row in read]
    assert skyportal.token not in (tmp_path / "out.json").read_text() + out + err


def test_get_writes_ecsv_with_units(capsys, environment_points_at_server, skyportal_provisioned, points_csv,
                                    tmp_path):
    table_module = pytest.importorskip("astropy.table")
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    run(capsys, "upload", points_csv[0], "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    code, _, _ = run(capsys, "get", setup.obj_id, "--format", "flux", "-o", tmp_path / "out.ecsv")
    table = table_module.Table.read(tmp_path / "out.ecsv", format="ascii.ecsv")
    assert code == 0 and len(table) == 4
    assert (table["mjd"].unit, table["flux"].unit) == (units.day, units.uJy)
    assert table["flux"][0] == 83.17637711026691 and table["flux"].mask[3]


def test_bad_rows_exit_1_and_send_nothing(capsys, environment_points_at_server, skyportal_server,
                                          skyportal_provisioned, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("mjd,filter,mag,magerr\n59400.1,sdssu,19.1,0.05\n59400.2,ztfg,abc,0.05\n")
    skyportal_server.clear_requests()
    code, out, err = run(capsys, "upload", path, "--obj-id", skyportal_provisioned.obj_id,
                         "--instrument-id", skyportal_provisioned.instrument_id)
    assert (code, out) == (1, "")
    assert "row 0, filter: instrument" in err and "row 1, mag: must be a number, not str 'abc'" in err
    assert [record.method for record in skyportal_server.requests] == ["GET"]


def test_dry_run_shows_the_requests_and_sends_nothing(capsys, environment_points_at_server, skyportal_server,
                                                      skyportal_provisioned, points_csv):
    skyportal_server.clear_requests()
    code, out, _ = run(capsys, "upload", points_csv[0], "--obj-id", skyportal_provisioned.obj_id,
                       "--instrument-id", skyportal_provisioned.instrument_id, "--dry-run")
    assert code == 0
    assert out == (f"4 points checked, in mag space; 1 request of up to 10000 points would be sent (nothing was):\n"
                   f"  {skyportal_provisioned.obj_id}: 4 points\n")
    assert [record.method for record in skyportal_server.requests] == ["GET"]


def test_an_interrupted_upload_exits_3_and_is_finished_by_the_same_command(
        capsys, environment_points_at_server, skyportal_server, skyportal_provisioned, points_csv, tmp_path):
    setup = skyportal_provisioned
    manifest = tmp_path / "upload.json"
    command = ("upload", points_csv[0], "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id,
               "--manifest", manifest, "--retries", 0)
    count = skyportal_server.photometry_count()
    # The POST lands but its answer is lost; the PUT that would settle it does not get through.
    skyportal_server.inject_fault("drop-after", methods=["POST"])
    skyportal_server.inject_fault("drop-before", methods=["PUT"])
    code, _, err = run(capsys, *command)
    assert code == 3
    assert err.endswith(f"0 of 4 points landed, and 4 more may have; {manifest} records them: run the same "
                        "command again to send the rest (nothing is stored twice).\n")
    assert skyportal_server.photometry_count() == count + 4

    code, out, _ = run(capsys, *command)
    assert code == 0 and out == "4 points landed (1 request sent, 0 already recorded in the manifest)\n"
    assert skyportal_server.photometry_count() == count + 4

    # The chunk was settled by PUT after the unanswered POST: rollback keeps it unless told it was all new.
    code, _, err = run(capsys, "rollback", manifest)
    assert code == 1 and "--delete-settled" in err
    assert err.startswith("Removing 0 points. Keeping the 4 points settled by PUT (see delete_settled).\n")
    assert skyportal_server.photometry_count() == count + 4
    code, out, err = run(capsys, "rollback", manifest, "--delete-settled")
    assert (code, out) == (0, f"4 points removed; {manifest} records the rollback\n")
    assert err.startswith("Removing 4 points: 4 one by one (4 requests at 5 per second, under a second).\n")
    assert skyportal_server.photometry_count() == count
    code, out, _ = run(capsys, "rollback", manifest)
    assert (code, out) == (0, f"0 points removed; 4 were removed before; {manifest} records the rollback\n")


def test_delete_takes_point_ids_and_upload_ids(capsys, environment_points_at_server, skyportal_provisioned,
                                               photometry, points_csv):
    setup = skyportal_provisioned
    code, out, _ = run(capsys, "upload", points_csv[0], "--obj-id", setup.obj_id,
                       "--instrument-id", setup.instrument_id)
    upload_id = out.split("upload_id ")[1].strip()
    first_id = photometry.api_sources_obj_id_photometry_get(setup.obj_id)["data"][0]["id"]
    code, out, _ = run(capsys, "delete", first_id, upload_id)
    assert code == 0 and out == f"deleted point {first_id}\nupload {upload_id}: Deleted 3 photometry point(s).\n"
    code, _, err = run(capsys, "delete", upload_id)
    assert code == 1 and "Invalid bulk upload id" in err


def test_a_delete_that_fails_after_deleting_some_says_what_is_left_and_exits_3(
        capsys, environment_points_at_server, skyportal_provisioned, photometry, points_csv):
    setup = skyportal_provisioned
    run(capsys, "upload", points_csv[0], "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    ids = [point["id"] for point in photometry.api_sources_obj_id_photometry_get(setup.obj_id)["data"]]
    code, out, err = run(capsys, "delete", ids[0], 999999, ids[1], ids[2], "--retries", 0)
    assert (code, out) == (3, f"deleted point {ids[0]}\n")
    assert err == (f"error: 1 of 4 deleted; not deleted: 999999 (HTTP 400: Cannot find photometry point with ID: "
                   f"999999), {ids[1]}, {ids[2]} (not tried). To finish: skyportal-photometry delete "
                   f"{ids[1]} {ids[2]}\n")
    # Failing on the first id, nothing was deleted: the server's refusal, exit 1.
    code, out, err = run(capsys, "delete", 999999, ids[1], "--retries", 0)
    assert (code, out) == (1, "") and err.endswith("Nothing was changed\n")
    left = [point["id"] for point in photometry.api_sources_obj_id_photometry_get(setup.obj_id)["data"]]
    assert left == ids[1:]


def test_range_writes_csv_to_stdout(capsys, environment_points_at_server, skyportal_provisioned, points_csv):
    setup = skyportal_provisioned
    run(capsys, "upload", points_csv[0], "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    first_mjd = points_csv[1][0]["mjd"]
    # mjd 0 is 1858-11-17; these dates cover the first point's time and no other point's.
    day = datetime(1858, 11, 17) + timedelta(days=first_mjd)
    code, out, _ = run(capsys, "range", "--instrument-ids", setup.instrument_id, "--format", "flux",
                       "--min-date", (day - timedelta(seconds=1)).isoformat(),
                       "--max-date", (day + timedelta(seconds=1)).isoformat())
    assert code == 0
    read = list(csv.DictReader(out.splitlines()))
    assert [(float(row["mjd"]), row["obj_id"]) for row in read] == [(first_mjd, setup.obj_id)]
    assert float(read[0]["flux"]) == 83.17637711026691


def unused_port():
    with socket.socket() as probe:  # a loopback port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_upload_that_stored_nothing_exits_1_and_does_not_suggest_put(capsys, points_csv):
    code, _, err = run(capsys, "upload", points_csv[0], "--obj-id", "ZTF21abc", "--instrument-id", 1,
                       "--url", f"http://127.0.0.1:{unused_port()}", "--token", "secret", "--retries", 0)
    assert code == 1 and "--put" not in err and "secret" not in err


def test_the_module_runs_and_reports_an_unreachable_server_with_exit_1(tmp_path):
    port = unused_port()
    completed = subprocess.run(
        [sys.executable, "-m", "skyportal_client.cli", "get", "ZTF21abc", "--retries", "0",
         "--url", f"http://127.0.0.1:{port}", "--token", "secret-token-value"],
        capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert f"Could not connect to 127.0.0.1:{port}: [Errno 111] Connection refused" in completed.stderr
    assert f"Check the host http://127.0.0.1:{port} (from --url): is the server running there, and is --url " \
           "right? ($SKYPORTAL_URL is not read when --url is given)" in completed.stderr
    assert "secret-token-value" not in completed.stdout + completed.stderr


def test_usage_errors_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("SKYPORTAL_TOKEN", raising=False)
    assert run(capsys, "get", "ZTF21abc")[:2] == (2, "")
    for command in ("upload", "rollback"):
        code, out, err = run(capsys, command, tmp_path / "missing.csv")
        assert (code, out, err) == (2, "", f"error: there is no file {tmp_path / 'missing.csv'}\n")
    with pytest.raises(SystemExit) as raised:
        main(["upload"])
    assert raised.value.code == 2


def test_values_the_client_refuses_before_sending_are_usage_errors(capsys, environment_points_at_server,
                                                                  skyportal_server, tmp_path):
    skyportal_server.clear_requests()
    for argv, message in [
        (("get", "ZTF21abc", "--url", "fritz.science"),
         "The host (from --url) must be a URL starting with http:// or https://"),
        (("get", "ZTF21abc", "--token", "Bearer abc"),
         'Pass the token alone, without "Bearer " before it (the value from --token'),
        (("get", "ZTF21abc", "--magsys", "vegas"), "magsys must be one of"),
        (("range", "--instrument-ids", "1", "--magsys", "vegas"), "magsys must be one of"),
        (("download", "--objects", "ZTF21abc", "--cache", tmp_path, "--magsys", "vegas"), "magsys must be one of"),
    ]:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "") and message in err, argv
    with pytest.raises(SystemExit) as raised:
        main(["get", "ZTF21abc", "--retries", "-1"])
    assert raised.value.code == 2 and "argument --retries: expected a whole number, 0 or more" in \
        capsys.readouterr().err
    assert skyportal_server.requests == []


def test_every_output_magsys_is_taken_in_any_case_as_upload_takes_it(capsys, environment_points_at_server,
                                                                    skyportal_provisioned, points_csv, tmp_path):
    setup = skyportal_provisioned
    run(capsys, "upload", points_csv[0], "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id,
        "--magsys", "AB")
    lower = run(capsys, "get", setup.obj_id, "--magsys", "ab")
    upper = run(capsys, "get", setup.obj_id, "--magsys", "AB")
    assert upper == lower and lower[0] == 0 and len(lower[1].splitlines()) == 5
    code, out, _ = run(capsys, "download", "--objects", setup.obj_id, "--cache", tmp_path, "--magsys", "AB")
    assert code == 0 and out.splitlines()[0] == f"{setup.obj_id}: fetched, 4 points (new)"
    with open(tmp_path / f"{setup.obj_id}.mag.ab.csv", newline="") as handle:
        assert list(csv.DictReader(handle)) == list(csv.DictReader(lower[1].splitlines()))


def test_range_without_a_filter_is_refused_before_any_request(capsys, environment_points_at_server,
                                                              skyportal_server):
    """Unfiltered, SkyPortal would send every point the token can see (on Fritz, billions)."""
    skyportal_server.clear_requests()
    code, out, err = run(capsys, "range", "--format", "flux")
    assert (code, out) == (2, "")
    assert err == ("error: range needs --instrument-ids, --min-date or --max-date: without them SkyPortal would "
                   "send every point the token can see, in one answer\n")
    assert skyportal_server.requests == []


def test_an_output_file_that_cannot_be_written_is_refused_before_downloading(capsys, environment_points_at_server,
                                                                             skyportal_server, tmp_path):
    skyportal_server.clear_requests()
    missing = tmp_path / "no_such_dir" / "x.csv"
    for argv, message in [
        (("get", "ZTF21abc", "-o", missing), f"cannot write {missing}: there is no directory {missing.parent}"),
        (("get", "ZTF21abc", "-o", tmp_path / "x.txt"), "name it *.csv, *.ecsv or *.json"),
        (("range", "--instrument-ids", "1", "-o", tmp_path / "x.xlsx"), "name it *.csv, *.ecsv or *.json"),
        (("range", "--min-date", "2021-07-05", "-o", missing), "there is no directory"),
    ]:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "") and message in err and "Errno" not in err, argv
    assert skyportal_server.requests == [] and sorted(path.name for path in tmp_path.iterdir()) == []


def test_serve_writes_the_token_to_a_file_and_never_prints_it(tmp_path):
    env_file = tmp_path / "server.env"
    server = subprocess.Popen(
        [sys.executable, "-m", "skyportal_client.cli", "serve", "--port", "0", "--env-file", str(env_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        settings = dict(line.split("=", 1) for line in env_file.read_text().split())
        assert banner.startswith(f"Serving SkyPortal's photometry API at {settings['SKYPORTAL_URL']}")
        assert settings["SKYPORTAL_TOKEN"] not in banner
        assert env_file.stat().st_mode & 0o077 == 0
        completed = subprocess.run(
            [sys.executable, "-m", "skyportal_client.cli", "get", "NOPE", "--retries", "0",
             "--url", settings["SKYPORTAL_URL"], "--token", settings["SKYPORTAL_TOKEN"]],
            capture_output=True, text=True, timeout=60)
        assert completed.returncode == 1 and "403" in completed.stderr
        assert settings["SKYPORTAL_TOKEN"] not in completed.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_progress_without_tqdm_is_a_line_per_request(capsys, monkeypatch, environment_points_at_server,
                                                     skyportal_provisioned, points_csv):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    code, _, err = run(capsys, "upload", points_csv[0], "--obj-id", skyportal_provisioned.obj_id,
                       "--instrument-id", skyportal_provisioned.instrument_id)
    assert (code, err) == (0, "4/4 points\n")


def write_rows(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_an_empty_flux_is_refused_unless_read_as_a_non_detection(
        capsys, environment_points_at_server, skyportal, skyportal_provisioned, tmp_path):
    """points_csv writes its mag-space non-detection as empty mag and magerr cells with a
    limiting_mag, as SkyPortal expects one; an empty flux has nothing to say it is one."""
    setup = skyportal_provisioned
    mjds = fresh_mjds(2)
    path = write_rows(tmp_path / "flux.csv", [{"mjd": mjds[0], "filter": "ztfg", "flux": 150.0, "fluxerr": 5.0,
                                               "zp": 23.9},
                                              {"mjd": mjds[1], "filter": "ztfg", "flux": "", "fluxerr": 4.0,
                                               "zp": 23.9}])
    command = ("upload", path, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    code, out, err = run(capsys, *command)
    assert (code, out) == (1, "")
    assert "row 1, flux: is an empty cell" in err and "--nan-as-nondetection" in err
    code, out, err = run(capsys, *command, "--nan-as-nondetection")
    assert code == 0, err
    non_detection = get_light_curve_of(skyportal, setup.obj_id)[-1]
    assert (non_detection["mjd"], non_detection["mag"], non_detection["magerr"]) == (mjds[1], None, None)


def get_light_curve_of(skyportal, obj_id):
    import skyportal_client
    from skyportal_client._light_curves.read import get_light_curve

    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token)
    with skyportal_client.ApiClient(configuration) as api_client:
        return get_light_curve(api_client, obj_id)


def test_two_thousand_bad_rows_print_under_4_kb_and_the_report_lists_them_all(
        capsys, environment_points_at_server, skyportal, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    rows, bad = ten_thousand_rows_with_two_thousand_bad(fresh_mjds(10_000))
    path = write_rows(tmp_path / "points.csv", [
        {name: "nan" if isinstance(value, float) and value != value else "" if value is None else value
         for name, value in row.items()} for row in rows])
    command = ("upload", path, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    code, out, err = run(capsys, *command)
    assert (code, out) == (1, "")
    assert len(err.encode()) < 4096
    assert err.startswith("error: 2000 problems in the photometry; nothing was sent:\n")
    assert err.endswith("--report FILE writes every one of them to FILE as CSV. Nothing was sent.\n")
    code, _, err = run(capsys, *command, "--report", tmp_path / "report.csv")
    assert code == 1 and len(err.encode()) < 4096
    assert err.endswith(f"Every problem is listed in {tmp_path / 'report.csv'}. Nothing was sent.\n")
    with open(tmp_path / "report.csv", newline="") as handle:
        assert [(int(line["row"]), line["kind"]) for line in csv.DictReader(handle)] == sorted(bad.items())
    assert get_light_curve_of(skyportal, setup.obj_id) == []


def test_a_report_of_no_problems_is_its_header(capsys, environment_points_at_server, skyportal_provisioned,
                                               points_csv, tmp_path):
    code, _, _ = run(capsys, "upload", points_csv[0], "--obj-id", skyportal_provisioned.obj_id,
                     "--instrument-id", skyportal_provisioned.instrument_id,
                     "--report", tmp_path / "report.csv", "--dry-run")
    assert code == 0 and (tmp_path / "report.csv").read_text().splitlines() == ["row,column,kind,detail"]


def test_a_duplicate_upload_prints_a_short_error_exits_1_and_suggests_put(
        capsys, environment_points_at_server, skyportal, skyportal_provisioned, tmp_path):
    """SkyPortal's refusal of 10 000 points it stores already is a traceback listing all of them."""
    setup = skyportal_provisioned
    path = write_rows(tmp_path / "points.csv", [{"mjd": mjd, "filter": "ztfg", "mag": 19.0, "magerr": 0.05}
                                                for mjd in fresh_mjds(10_000)])
    command = ("upload", path, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    assert run(capsys, *command, "--manifest", tmp_path / "upload.json")[0] == 0
    code, out, err = run(capsys, *command)
    assert (code, out) == (1, "")
    assert len(err.encode()) < 4096
    assert "already exists" in err
    assert err.endswith("Nothing was stored. SkyPortal already has some of these points (an earlier upload?): "
                        "--put keeps them and stores the rest.\n")
    code, out, _ = run(capsys, *command, "--put")
    assert code == 0 and out.startswith("10000 points landed")
    assert len(get_light_curve_of(skyportal, setup.obj_id)) == 10_000
    # Rolled back: on a real SkyPortal, later tests' unfiltered range queries read every point.
    assert run(capsys, "rollback", tmp_path / "upload.json")[0] == 0
    assert get_light_curve_of(skyportal, setup.obj_id) == []


def test_a_partial_upload_without_a_manifest_exits_3_and_suggests_put(
        capsys, environment_points_at_server, skyportal_server, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    rows = [{"obj_id": (setup.obj_id, "ZTFnosuchobject")[row // 2], "mjd": mjd, "filter": "ztfg", "mag": 19.0,
             "magerr": 0.05} for row, mjd in enumerate(fresh_mjds(4))]
    path = write_rows(tmp_path / "points.csv", rows)
    code, _, err = run(capsys, "upload", path, "--instrument-id", setup.instrument_id)
    assert code == 3
    assert "Invalid object ID" in err
    assert err.endswith("2 of 4 points landed. Sending them by POST again would be refused as duplicates: run the "
                        "command again with --put, which keeps the stored points and adds the rest (with --manifest, "
                        "an upload resumes by itself and can be rolled back).\n")


def test_rollback_states_what_it_will_do_and_shows_a_line_per_step_without_tqdm(
        capsys, monkeypatch, environment_points_at_server, skyportal_provisioned, tmp_path):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    setup = skyportal_provisioned
    manifest = tmp_path / "upload.json"
    path = write_rows(tmp_path / "points.csv", [{"mjd": mjd, "filter": "ztfg", "mag": 19.0, "magerr": 0.05}
                                                for mjd in fresh_mjds(12)])
    code, _, err = run(capsys, "upload", path, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id,
                       "--manifest", manifest)
    assert (code, err) == (0, "12/12 points\n")
    code, out, err = run(capsys, "rollback", manifest)
    assert code == 0 and out == f"12 points removed; {manifest} records the rollback\n"
    assert err == "Removing 12 points: 12 in 1 bulk deletes by upload_id.\n12/12 points\n"


def test_lines_show_the_time_left_and_stay_few():
    import io

    from skyportal_client._util.progress import Lines

    ticks = iter(range(0, 100_000, 2))
    stream = io.StringIO()
    report = Lines(stream, clock=lambda: next(ticks))
    for done in range(1, 10_001):
        report(done, 10_000)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "1/10000 points, about 5 h 33 min left"
    assert lines[-1] == "10000/10000 points" and len(lines) <= 101


def test_a_csv_file_saved_by_excel_with_a_byte_order_mark_uploads(capsys, environment_points_at_server, skyportal,
                                                                  skyportal_provisioned, points_csv, tmp_path):
    setup = skyportal_provisioned
    marked = tmp_path / "excel.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + points_csv[0].read_bytes())
    code, out, err = run(capsys, "upload", marked, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    assert code == 0 and "error" not in err and out.startswith("4 points landed")
    assert [point["mjd"] for point in get_light_curve_of(skyportal, setup.obj_id)] == \
        [row["mjd"] for row in points_csv[1]]
