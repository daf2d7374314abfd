"""The command line's documented exit codes hold for every file problem, option and interruption:
each case is run here, and each usage error is found before any request."""

import argparse
import csv
import os
import signal
import subprocess
import sys

import pytest
from support.upload_bodies import fresh_mjds

from skyportal_client import cli
from skyportal_client.cli import main

USAGE, INTERRUPTED, PARTIAL = 2, 130, 3


@pytest.fixture
def points_file(tmp_path):
    path = tmp_path / "points.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mjd", "filter", "mag", "magerr"])
        writer.writerows([[mjd, "ztfg", 19.0, 0.1] for mjd in fresh_mjds(3)])
    return path


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def writes(server):
    return [record for record in server.requests if record.method in ("POST", "PUT", "PATCH", "DELETE")]


def test_every_file_problem_exits_2_with_a_sentence_naming_the_file_and_the_fix(
        capsys, environment_points_at_server, skyportal_server, skyportal_provisioned, points_file, tmp_path):
    setup = skyportal_provisioned
    upload = ("upload", points_file, "--obj-id", setup.obj_id, "--instrument-id", setup.instrument_id)
    fifo = tmp_path / "points.fifo"
    os.mkfifo(fifo)
    a_file = tmp_path / "not-a-directory"
    a_file.write_text("")
    cases = [
        (("upload", tmp_path, "--obj-id", setup.obj_id), f"error: {tmp_path} is a directory: give the path of a file"),
        (("upload", fifo, "--obj-id", setup.obj_id), f"error: {fifo} is not a regular file (a pipe or a device"),
        ((*upload, "--report", tmp_path), f"error: --report {tmp_path} is a directory: give the path of a file to "
                                          f"write, such as {tmp_path / 'problems.csv'}"),
        ((*upload, "--manifest", tmp_path / "missing" / "upload.json"),
         f"error: cannot write --manifest {tmp_path / 'missing' / 'upload.json'}: there is no directory "
         f"{tmp_path / 'missing'}; create it first"),
        ((*upload, "--report", tmp_path / "missing" / "problems.csv"),
         f"error: cannot write --report {tmp_path / 'missing' / 'problems.csv'}: there is no directory"),
        (("download", "--objects", "ZTF21abc", "--cache", a_file),
         f"error: --cache {a_file} is a file, not a directory: give a directory"),
        (("rollback", tmp_path), f"error: {tmp_path} is a directory"),
    ]
    if os.geteuid() != 0:  # root reads any file
        unreadable = tmp_path / "unreadable.csv"
        unreadable.write_text(points_file.read_text())
        unreadable.chmod(0)
        cases.append((("upload", unreadable, "--obj-id", setup.obj_id),
                      f"error: cannot read {unreadable}: permission denied; make it readable"))
    skyportal_server.clear_requests()
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (USAGE, ""), argv
        assert err.startswith(message) and err.count("\n") == 1, (argv, err)
        assert "Errno" not in err and ".tmp" not in err, err
    assert skyportal_server.requests == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["not-a-directory", "points.csv", "points.fifo"] \
        + (["unreadable.csv"] if os.geteuid() != 0 else [])


def test_a_file_error_of_the_system_is_a_plain_sentence_with_exit_2(capsys):
    error = FileNotFoundError(2, "No such file or directory", "/nowhere/points.csv")
    assert cli._file_problem(error) == "cannot use /nowhere/points.csv: no such file or directory; check the path"


@pytest.mark.parametrize("argv, message", [
    (("serve", "--port", "99999"), "argument --port: expected a port from 0 to 65535 (0 picks a free one), not "
                                   "'99999'"),
    (("range", "--min-date", "yesterday"), "argument --min-date: expected an ISO 8601 time"),
    (("download", "--objects", "ZTF21abc", "--cache", "cache", "--workers", "0"),
     "argument --workers: expected a whole number, 1 or more"),
    (("upload", "points.csv", "--instrument", "ZTF", "--instrument-id", "1"),
     "argument --instrument-id: not allowed with argument --instrument"),
])
def test_options_out_of_range_exit_2_before_anything_runs(capsys, argv, message):
    with pytest.raises(SystemExit) as raised:
        main(list(argv))
    assert raised.value.code == USAGE and message in capsys.readouterr().err


def test_a_range_that_ends_before_it_begins_exits_2_before_any_request(capsys, environment_points_at_server,
                                                                      skyportal_server):
    skyportal_server.clear_requests()
    code, out, err = run(capsys, "range", "--min-date", "2021-07-06", "--max-date", "2021-07-05T12:00:00+02:00")
    assert (code, out) == (USAGE, "")
    assert err == ("error: --min-date 2021-07-06 is after --max-date 2021-07-05T12:00:00+02:00, so no point is "
                   "between them: swap them\n")
    assert skyportal_server.requests == []


def test_serve_with_a_port_out_of_range_exits_2_without_a_traceback():
    completed = subprocess.run([sys.executable, "-m", "skyportal_client.cli", "serve", "--port", "99999"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == USAGE and "Traceback" not in completed.stderr
    assert "expected a port from 0 to 65535" in completed.stderr


def test_upload_takes_the_instrument_by_name(capsys, environment_points_at_server, skyportal, skyportal_provisioned,
                                            points_file):
    setup = skyportal_provisioned
    from skyportal_client.testing import create_source
    obj_id = create_source(skyportal.url, skyportal.token, setup.group_id)
    code, out, _ = run(capsys, "upload", points_file, "--obj-id", obj_id, "--instrument", setup.instrument_name)
    assert code == 0 and out.startswith("3 points landed")
    code, out, _ = run(capsys, "get", obj_id)
    assert code == 0 and [row["instrument_id"] for row in csv.DictReader(out.splitlines())] == \
        [str(setup.instrument_id)] * 3


def test_an_instrument_name_that_names_none_exits_2_and_sends_nothing(capsys, environment_points_at_server,
                                                                     skyportal_server, skyportal_provisioned,
                                                                     points_file):
    skyportal_server.clear_requests()
    code, out, err = run(capsys, "upload", points_file, "--obj-id", skyportal_provisioned.obj_id,
                         "--instrument", "NO-SUCH-INSTRUMENT-x")
    assert (code, out) == (USAGE, "") and "NO-SUCH-INSTRUMENT-x" in err
    assert writes(skyportal_server) == []


class Presses:
    """A progress display during which the user presses Ctrl-C: once after the first request, and again
    while the display closes, as two quick presses do."""

    def __call__(self, done, total):
        signal.raise_signal(signal.SIGINT)

    def close(self):
        signal.raise_signal(signal.SIGINT)


def test_two_quick_ctrl_cs_end_with_one_line_saying_what_landed_and_how_to_resume(
        capsys, monkeypatch, environment_points_at_server, skyportal_server, skyportal_provisioned, points_file,
        tmp_path):
    monkeypatch.setattr(cli.progress, "on_stderr", Presses)
    manifest = tmp_path / "upload.json"
    code, out, err = run(capsys, "upload", points_file, "--obj-id", skyportal_provisioned.obj_id,
                         "--instrument-id", skyportal_provisioned.instrument_id, "--manifest", manifest)
    assert (code, out) == (PARTIAL, "")
    assert err == (f"Interrupted. 3 of 3 points landed; {manifest} records them: run the same command again to "
                   "send the rest (nothing is stored twice).\n")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # main put back Python's handler


def test_ctrl_c_before_the_first_request_says_nothing_changed_and_exits_130(
        capsys, monkeypatch, environment_points_at_server, skyportal_server, skyportal_provisioned, points_file):
    def pressed(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(cli, "plan_upload", pressed)
    skyportal_server.clear_requests()
    code, out, err = run(capsys, "upload", points_file, "--obj-id", skyportal_provisioned.obj_id,
                         "--instrument-id", skyportal_provisioned.instrument_id)
    assert (code, out) == (INTERRUPTED, "")
    assert err == "Interrupted; nothing was changed on the server: run the same command again to do it.\n"
    assert writes(skyportal_server) == []


def test_every_option_and_argument_of_every_command_has_help():
    parser = cli._parser()
    [commands] = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    missing = [f"{name} {action.dest}" for name, command in commands.choices.items() for action in command._actions
               if action.help is None and not isinstance(action, argparse._HelpAction)]
    assert missing == []
    assert all(command.help for command in commands._choices_actions)


def test_one_point_is_one_point_in_every_count(capsys, environment_points_at_server, skyportal, skyportal_provisioned,
                                               tmp_path):
    from skyportal_client.testing import create_source
    obj_id = create_source(skyportal.url, skyportal.token, skyportal_provisioned.group_id)
    path = tmp_path / "one.csv"
    path.write_text(f"mjd,filter,mag,magerr\n{fresh_mjds(1)[0]},ztfg,19.0,0.1\n")
    upload = ("upload", path, "--obj-id", obj_id, "--instrument-id", skyportal_provisioned.instrument_id)
    code, out, _ = run(capsys, *upload, "--dry-run")
    assert code == 0 and out.startswith("1 point checked, in mag space; 1 request of up to 10000 points")
    code, out, _ = run(capsys, *upload)
    assert code == 0 and out.startswith("1 point landed (1 request sent, 0 already recorded in the manifest)\n")
    code, _, err = run(capsys, "get", obj_id, "-o", tmp_path / "back.json")
    assert (code, err) == (0, f"1 point written to {tmp_path / 'back.json'}\n")


@pytest.mark.parametrize("argv, last_names", [
    (("get", "{obj_id}"), "groups,mag,magerr,magsys,limiting_mag"),
    (("get", "{obj_id}", "--format", "flux"), "groups,flux,magsys,zp,fluxerr"),
    (("get", "{obj_id}", "--format", "both"), "groups,mag,magerr,magsys,limiting_mag,flux,zp,fluxerr"),
    (("range", "--min-date", "1900-01-01", "--max-date", "1900-01-02"), "groups,annotations,mag,magerr,magsys,"
                                                                         "limiting_mag"),
])
def test_an_empty_light_curve_prints_the_csv_header(capsys, environment_points_at_server, skyportal,
                                                    skyportal_provisioned, argv, last_names):
    from skyportal_client.testing import create_source
    obj_id = create_source(skyportal.url, skyportal.token, skyportal_provisioned.group_id)
    code, out, _ = run(capsys, *[arg.format(obj_id=obj_id) for arg in argv])
    assert code == 0
    assert out.startswith("obj_id,ra,dec,filter,mjd,snr,instrument_id,") and out.endswith(f",{last_names}\r\n")
    assert out.count("\n") == 1


def test_an_empty_light_curve_written_to_a_csv_file_has_its_header(capsys, environment_points_at_server, skyportal,
                                                                  skyportal_provisioned, tmp_path):
    from skyportal_client.testing import create_source
    obj_id = create_source(skyportal.url, skyportal.token, skyportal_provisioned.group_id)
    code, _, err = run(capsys, "get", obj_id, "-o", tmp_path / "empty.csv")
    assert (code, err) == (0, f"0 points written to {tmp_path / 'empty.csv'}\n")
    assert (tmp_path / "empty.csv").read_text().startswith("obj_id,ra,dec,filter,mjd,")


def test_a_non_empty_light_curve_has_the_header_an_empty_one_has(capsys, environment_points_at_server,
                                                               skyportal_provisioned, points_file):
    # The header of an empty light curve is the one the server's points give: the names and their order.
    from skyportal_client._light_curves.tables import no_points
    run(capsys, "upload", points_file, "--obj-id", skyportal_provisioned.obj_id, "--instrument-id",
        skyportal_provisioned.instrument_id)
    for format in ("mag", "flux", "both"):
        code, out, _ = run(capsys, "get", skyportal_provisioned.obj_id, "--format", format)
        assert code == 0 and out.splitlines()[0] == ",".join(no_points(format)), format
