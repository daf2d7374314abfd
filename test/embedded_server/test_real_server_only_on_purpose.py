"""Tests write to the server they run against, so a real SkyPortal is tested only on purpose:
named by $SKYPORTAL_TEST_URL and $SKYPORTAL_TEST_TOKEN, never by $SKYPORTAL_URL and
$SKYPORTAL_TOKEN (a user's everyday settings), and, off loopback, with the opt-in too.
Each run below is a pytest of its own, as a user would start it, with the plugin loaded
through its entry point."""

import os
import pathlib
import subprocess
import sys

import pytest
from support.recording_server import RecordingServer

from skyportal_client.exceptions import ApiValueError
from skyportal_client.testing import SkyPortalTestServer
from skyportal_client.testing.real_server import real_skyportal

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKEN = "11111111-2222-4333-8444-555555555555"

# A user's test of their pipeline: it uploads through the plugin's fixtures.
USER_TEST = '''
import os

import skyportal_client


def test_my_pipeline_uploads(skyportal, skyportal_provisioned):
    assert skyportal.url != os.environ.get("SKYPORTAL_URL")
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token) as sp:
        sp.photometry.upload({"mjd": [59000.5], "mag": [19.0], "magerr": [0.1], "filter": "ztfg"},
                             obj_id=skyportal_provisioned.obj_id, instrument=skyportal_provisioned.instrument_name,
                             groups=[skyportal_provisioned.group_id])
        assert len(sp.photometry.get(skyportal_provisioned.obj_id)) == 1
'''
# One of the project's own conformance tests (it uploads points through test/conftest.py's fixtures).
SUITE_TEST = "test/conformance/test_post.py::test_mag_upload_returns_ids_and_upload_id"


@pytest.fixture
def production():
    """Stands for the SkyPortal a user works with every day: it records every request it gets."""
    server = RecordingServer("127.0.0.1", lambda handler: (200, {"Content-Type": "application/json"},
                                                           b'{"status": "success", "data": {}}'))
    yield server
    server.close()


def environment(**variables):
    """The outer environment without any SKYPORTAL_* variable, plus ``variables``."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("SKYPORTAL_")}
    return {**kept, **variables}


def pytest_run(arguments, env, cwd):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def user_test(tmp_path):
    (tmp_path / "test_pipeline.py").write_text(USER_TEST)
    return tmp_path


def test_a_users_tests_never_follow_skyportal_url_and_token(production, user_test):
    run = pytest_run(["-q", "test_pipeline.py"], environment(SKYPORTAL_URL=production.url, SKYPORTAL_TOKEN=TOKEN),
                     user_test)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("1 passed")
    assert production.seen == []


def test_the_projects_suite_never_follows_skyportal_url_and_token(production):
    run = pytest_run(["-q", SUITE_TEST], environment(SKYPORTAL_URL=production.url, SKYPORTAL_TOKEN=TOKEN), ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("1 passed")
    assert production.seen == []


def test_the_test_variables_name_the_server_under_test(user_test):
    with SkyPortalTestServer() as server:
        run = pytest_run(["test_pipeline.py"], environment(SKYPORTAL_TEST_URL=server.url,
                                                           SKYPORTAL_TEST_TOKEN=server.token), user_test)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"skyportal: testing against {server.url} (SKYPORTAL_TEST_URL and SKYPORTAL_TEST_TOKEN are set)" \
            in run.stdout
        assert server.photometry_count() == 1


@pytest.mark.parametrize("where", ["user", "suite"])
def test_a_host_off_loopback_needs_the_opt_in_and_the_refusal_names_it(where, user_test):
    """The run stops before collecting a test; the host is one that resolves nowhere, so that
    nothing could reach it anyway."""
    arguments, cwd = (["test_pipeline.py"], user_test) if where == "user" else ([SUITE_TEST], ROOT)
    run = pytest_run(arguments, environment(SKYPORTAL_TEST_URL="https://skyportal.invalid",
                                            SKYPORTAL_TEST_TOKEN=TOKEN), cwd)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "SKYPORTAL_TEST_ALLOW_REMOTE=1" in run.stderr and "skyportal.invalid, which is not loopback" in run.stderr
    assert "passed" not in run.stdout and "failed" not in run.stdout


@pytest.mark.parametrize("variables, expected", [
    ({}, None),
    ({"SKYPORTAL_URL": "https://fritz.science", "SKYPORTAL_TOKEN": TOKEN}, None),
    ({"SKYPORTAL_TEST_URL": "http://127.0.0.1:5000/", "SKYPORTAL_TEST_TOKEN": TOKEN}, ("http://127.0.0.1:5000", TOKEN)),
    ({"SKYPORTAL_TEST_URL": "http://localhost:5000", "SKYPORTAL_TEST_TOKEN": TOKEN}, ("http://localhost:5000", TOKEN)),
    ({"SKYPORTAL_TEST_URL": "http://[::1]:5000", "SKYPORTAL_TEST_TOKEN": TOKEN}, ("http://[::1]:5000", TOKEN)),
    ({"SKYPORTAL_TEST_URL": "https://fritz.science", "SKYPORTAL_TEST_TOKEN": TOKEN,
      "SKYPORTAL_TEST_ALLOW_REMOTE": "1"}, ("https://fritz.science", TOKEN)),
])
def test_which_server_the_variables_name(variables, expected):
    assert real_skyportal(variables) == expected


@pytest.mark.parametrize("variables, message", [
    ({"SKYPORTAL_TEST_URL": "http://127.0.0.1:5000"},
     "$SKYPORTAL_TEST_URL is set but $SKYPORTAL_TEST_TOKEN is not: set both to test against a real SkyPortal, "
     "or neither to test against the embedded server"),
    ({"SKYPORTAL_TEST_TOKEN": TOKEN},
     "$SKYPORTAL_TEST_TOKEN is set but $SKYPORTAL_TEST_URL is not: set both to test against a real SkyPortal, "
     "or neither to test against the embedded server"),
    ({"SKYPORTAL_TEST_URL": "127.0.0.1:5000", "SKYPORTAL_TEST_TOKEN": TOKEN},
     "$SKYPORTAL_TEST_URL must be a URL starting with http:// or https://, not '127.0.0.1:5000'"),
    ({"SKYPORTAL_TEST_URL": "https://fritz.science", "SKYPORTAL_TEST_TOKEN": TOKEN, "SKYPORTAL_TEST_ALLOW_REMOTE": "yes"},
     "$SKYPORTAL_TEST_URL names fritz.science, which is not loopback: the tests would create telescopes, instruments, "
     "groups, sources and photometry there. Set SKYPORTAL_TEST_ALLOW_REMOTE=1 to test against it on purpose, or "
     "unset $SKYPORTAL_TEST_URL"),
])
def test_a_half_or_risky_setting_is_refused_with_the_variable_to_set(variables, message):
    with pytest.raises(ApiValueError) as refused:
        real_skyportal(variables)
    assert str(refused.value) == message
