"""skyportal-photometry download, sync and plot: in-process (main) and, to be killed, as a process."""

import os
import signal
import subprocess
import sys
import time

import pytest
from support.light_curve_samples import objects_with_points

from skyportal_client._light_curves.cache import MARKER_NAME
from skyportal_client.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def objects(skyportal, skyportal_provisioned, api_client):
    """Four objects with three points each."""
    return objects_with_points(skyportal, skyportal_provisioned, api_client, 4)


def cached_ids(directory):
    return {name.split(".")[0] for name in os.listdir(directory) if name.endswith(".json") and name != MARKER_NAME}


def test_download_takes_ids_and_files_of_ids_then_sync_asks_about_each(capsys, environment_points_at_server, objects,
                                                                       tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # progress as a line per object
    listed = tmp_path / "ids.txt"
    # With the byte-order mark Windows' Notepad starts a UTF-8 file with, which is no part of the first line.
    listed.write_text(f"\ufeff# a follow-up list\n{objects[1]}\n\n  {objects[2]}\n", encoding="utf-8")
    table = tmp_path / "sample.csv"
    table.write_text(f"obj_id,ra\n{objects[3]},10.5\n")
    cache = tmp_path / "cache"
    code, out, err = run(capsys, "download", "--objects", objects[0], listed, table, "--cache", cache)
    assert code == 0, err
    lines = out.splitlines()
    assert lines == [f"{obj_id}: fetched, 3 points (new)" for obj_id in objects] + \
        ["4 objects: 4 fetched, 0 unchanged, 0 failed"]
    progress = err.splitlines()
    assert [line.split(" objects: ")[0] for line in progress] == ["1/4", "2/4", "3/4", "4/4"]
    assert all(line.endswith(" left") for line in progress[:-1])
    assert cached_ids(cache) == set(objects)

    code, out, _ = run(capsys, "sync", "--cache", cache)
    assert code == 0 and out.splitlines()[-1] == "4 objects: 0 fetched, 4 unchanged, 0 failed"
    assert f"{objects[0]}: unchanged, 3 points (not modified on the server (304))" in out.splitlines()
    code, out, _ = run(capsys, "download", "--objects", *objects, "--cache", cache, "--format", "flux",
                       "--max-age", "1h")
    assert code == 0 and out.splitlines()[-1] == "4 objects: 4 fetched, 0 unchanged, 0 failed"
    code, out, _ = run(capsys, "sync", "--cache", cache, "--max-age", "10m")
    assert code == 0 and out.splitlines()[-1] == "8 objects: 0 fetched, 8 unchanged, 0 failed"
    assert "within max_age: not asked" in out


def test_a_failed_object_is_reported_and_exits_3_and_all_failed_exit_1(capsys, environment_points_at_server,
                                                                         objects, tmp_path):
    code, out, _ = run(capsys, "download", "--objects", "ZTFnosuchobject1", "--cache", tmp_path)
    assert code == 1 and out.splitlines()[-1] == "1 object: 0 fetched, 0 unchanged, 1 failed"
    code, out, _ = run(capsys, "download", "--objects", objects[0], "ZTFnosuchobject0", "--cache", tmp_path)
    assert code == 3
    assert out.splitlines()[1].startswith("ZTFnosuchobject0: failed (") and "403" in out.splitlines()[1]
    assert out.splitlines()[-1] == "2 objects: 1 fetched, 0 unchanged, 1 failed"


@pytest.mark.parametrize("argv, message", [
    (["download", "--objects", "ZTF21abc", "--cache", "{tmp}", "--max-age", "soon"], "expected seconds"),
    (["download", "--objects", "ZTF21abc", "--cache", "{tmp}", "--max-age", "-5"], "a time of 0 or more"),
])
def test_a_bad_max_age_is_a_usage_error(capsys, argv, message, tmp_path):
    with pytest.raises(SystemExit) as raised:
        main([arg.format(tmp=tmp_path) for arg in argv])
    assert raised.value.code == 2 and message in capsys.readouterr().err


def test_usage_errors_exit_2_and_send_nothing(capsys, environment_points_at_server, skyportal_server, tmp_path,
                                              monkeypatch):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    no_column = tmp_path / "sample.csv"
    no_column.write_text("name\nZTF21abc\n")
    skyportal_server.clear_requests()
    for argv, message in [
        (("download", "--objects", empty, "--cache", tmp_path / "c"), "no object ids in"),
        (("download", "--objects", no_column, "--cache", tmp_path / "c"), "has no obj_id column"),
        (("download", "--objects", "ZTF21abc", "--cache", tmp_path / "c", "--workers", 50), "workers must be"),
        (("download", "--objects", tmp_path / "typo.txt", "--cache", tmp_path / "c"), "no such file: "),
        (("plot", "lc.csv", "-o", tmp_path / "lc.png"), "no such file: lc.csv"),
        (("plot", empty, "-o", tmp_path / "lc.png"), "must end in .csv or .ecsv"),
    ]:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "") and message in err, argv
    monkeypatch.delenv("SKYPORTAL_TOKEN")
    assert run(capsys, "plot", "ZTF21abc", "-o", tmp_path / "lc.png")[:2] == (2, "")
    assert skyportal_server.requests == [] and not (tmp_path / "lc.png").exists()


def test_sync_of_a_directory_holding_no_cache_exits_2_and_makes_none(capsys, environment_points_at_server,
                                                                     skyportal_server, tmp_path):
    (tmp_path / "empty").mkdir()
    skyportal_server.clear_requests()
    for directory in (tmp_path / "no_such_dir", tmp_path / "empty"):
        code, out, err = run(capsys, "sync", "--cache", directory)
        assert (code, out) == (2, "")
        assert err == (f"error: {directory} holds no light curve cache: sync only updates one that download made; "
                       f"run download --objects ... --cache {directory} first\n")
    assert sorted(os.listdir(tmp_path)) == ["empty"] and os.listdir(tmp_path / "empty") == []
    assert skyportal_server.requests == []


def test_a_download_killed_halfway_is_resumed_by_the_same_command(skyportal, skyportal_server, skyportal_provisioned,
                                                                  api_client, tmp_path, capsys,
                                                                  environment_points_at_server):
    obj_ids = objects_with_points(skyportal, skyportal_provisioned, api_client, 20)
    (tmp_path / "ids.txt").write_text("\n".join(obj_ids) + "\n")
    cache = tmp_path / "cache"
    command = ["download", "--objects", tmp_path / "ids.txt", "--cache", cache, "--workers", "1"]
    skyportal_server.inject_fault("slow", count=20, delay=0.1)
    process = subprocess.Popen([sys.executable, "-m", "skyportal_client.cli", *map(str, command)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "SKYPORTAL_URL": skyportal.url, "SKYPORTAL_TOKEN": skyportal.token})
    try:
        deadline = time.monotonic() + 60
        while (not cache.exists() or len(cached_ids(cache)) < 5) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    skyportal_server.clear_faults()
    time.sleep(0.5)  # the request the process was waiting on is answered (to no one) and logged before the count
    done = cached_ids(cache)
    assert 5 <= len(done) < 20, "killed halfway"

    skyportal_server.clear_requests()
    code, out, _ = run(capsys, *command)
    assert code == 0 and out.splitlines()[-1] == f"20 objects: {20 - len(done)} fetched, {len(done)} unchanged, 0 failed"
    unchanged = {line.split(":")[0] for line in out.splitlines() if ": unchanged, 3 points" in line}
    assert unchanged == done
    assert sorted(record.status for record in skyportal_server.requests) == [200] * (20 - len(done)) + [304] * len(done)


def test_plot_an_object_into_a_png(capsys, environment_points_at_server, objects, tmp_path):
    image = pytest.importorskip("matplotlib.image")
    output = tmp_path / "lc.png"
    code, _, err = run(capsys, "plot", objects[0], "-o", output)
    assert (code, err) == (0, f"{output} written\n")
    assert output.read_bytes()[:8] == PNG_SIGNATURE and image.imread(output).shape == (500, 800, 4)


def test_plot_a_cached_file_in_flux_space_as_a_pdf(capsys, environment_points_at_server, objects, tmp_path):
    pytest.importorskip("matplotlib")
    run(capsys, "download", "--objects", objects[0], "--cache", tmp_path, "--format", "both")
    output = tmp_path / "lc.pdf"
    code, _, err = run(capsys, "plot", tmp_path / f"{objects[0]}.both.ab.csv", "-o", output, "--format", "flux",
                       "--url", "http://127.0.0.1:9")  # nothing is fetched
    assert code == 0, err
    assert output.read_bytes().startswith(b"%PDF-")


def test_plot_to_an_image_it_cannot_write_exits_2_before_fetching(capsys, environment_points_at_server, objects,
                                                                  skyportal_server, tmp_path):
    pytest.importorskip("matplotlib")
    skyportal_server.clear_requests()
    code, _, err = run(capsys, "plot", objects[0], "-o", tmp_path / "lc.nope")
    assert code == 2 and f"cannot write {tmp_path / 'lc.nope'}: name an image file ending in " in err
    missing = tmp_path / "no_such_dir" / "lc.png"
    code, _, err = run(capsys, "plot", objects[0], "-o", missing)
    assert (code, err) == (2, f"error: cannot write {missing}: there is no directory {missing.parent}\n")
    assert skyportal_server.requests == [] and list(tmp_path.iterdir()) == []


def test_plot_of_a_light_curve_without_points_exits_1_and_writes_nothing(capsys, environment_points_at_server,
                                                                         skyportal, skyportal_provisioned, tmp_path):
    pytest.importorskip("matplotlib")
    from skyportal_client.testing import create_source
    obj_id = create_source(skyportal.url, skyportal.token, skyportal_provisioned.group_id)
    output = tmp_path / "lc.png"
    code, out, err = run(capsys, "plot", obj_id, "-o", output)
    assert (code, out) == (1, "")
    assert err == f"error: The light curve has no points: there is nothing to draw; {output} was not written\n"
    assert not output.exists()


def test_plot_of_a_file_without_the_format_asked_names_the_option(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    points = tmp_path / "lc.csv"
    points.write_text("mjd,filter,mag,magerr\n59400.1,ztfg,19.0,0.1\n")
    code, out, err = run(capsys, "plot", points, "-o", tmp_path / "lc.png", "--format", "flux")
    assert (code, out) == (2, "")
    assert err == f"error: {points} has no flux column: plot it with --format mag, or without --format\n"
    assert "space=" not in err and not (tmp_path / "lc.png").exists()
