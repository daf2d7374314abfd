"""One token, many processes: the bucket shared through SQLite (one machine) or Redis (many),
with a real redis-server on loopback, process pools and a Dask LocalCluster.

redis-server and dask are needed: without them these tests are skipped, saying how to install
them, except in CI (CI=true), where a missing one fails (.ci/run installs and starts them)."""

import concurrent.futures
import multiprocessing
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

import skyportal_client
from skyportal_client._transport import shared_limit
from skyportal_client.testing import create_source, provision
from skyportal_client.testing.provision import api_call
from support import shared_limit_jobs

REDIS_INSTALL = "apt-get install redis-server (Debian) and pip install -e \".[test]\" (the redis package)"
DASK_INSTALL = "pip install -e \".[test]\" (dask[distributed])"
# Server and clients scaled together: 20 requests per second, bursts of 10, as 5 and 10 behave.
RATE, BURST = 20.0, 10
JOBS = pathlib.Path(shared_limit_jobs.__file__)


def missing(what, install):
    """Skips the test, saying how to install ``what``; fails it in CI, which must have it."""
    message = f"{what} is missing: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of its own on loopback, for this module; its URL."""
    server = shutil.which("redis-server")
    if server is None:
        missing("redis-server", REDIS_INSTALL)
    try:
        import redis
    except ImportError:
        missing("the redis package", REDIS_INSTALL)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield url
    client.close()
    process.terminate()
    process.wait(10)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/rate.db"


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/rate.db"
    return request.getfixturevalue("redis_url")


def new_key():
    return shared_limit.bucket_key("http://127.0.0.1:1", f"token-{time.monotonic_ns()}")


def test_the_bucket_is_named_by_the_host_and_a_hash_of_the_token_never_the_token():
    token = "6f1c2d3e-aaaa-bbbb-cccc-123456789abc"
    key = shared_limit.bucket_key("https://fritz.science", token)
    assert token not in key and token[:8] not in key and key.startswith("skyportal_client:rate:https://fritz.science:")
    assert key == shared_limit.bucket_key("https://fritz.science", token)
    assert key != shared_limit.bucket_key("https://fritz.science", "another")
    assert key != shared_limit.bucket_key("https://preview.fritz.science", token)


def test_two_clients_of_one_store_take_from_one_bucket(store_url):
    key = new_key()
    first, second = shared_limit.open_bucket(store_url, key), shared_limit.open_bucket(store_url, key)
    # One request a second: what refills while the test runs is far less than one token.
    waits = [bucket.reserve(1.0, BURST) for _ in range(6) for bucket in (first, second)]
    assert waits[:BURST] == [0.0] * BURST  # one burst between them, not one each
    assert 0.5 < waits[BURST] < 1.0 < waits[BURST + 1] < 2.0  # then they queue, each after the other
    other = shared_limit.open_bucket(store_url, new_key())
    assert other.reserve(1.0, BURST) == 0.0  # another token's bucket is its own
    for bucket in (first, second, other):
        bucket.close()


@pytest.mark.parametrize("url, message", [
    ("postgres://db/rate", "rate_limit_store must be \"sqlite:///path/to/file.db\" (processes of one machine) or "
                           "\"redis://host:6379/0\" (processes on many machines), or None; not one starting 'postgres'"),
    ("sqlite:///", "not one starting 'sqlite'"),
])
def test_a_store_of_another_form_is_refused_when_configured(url, message):
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        skyportal_client.Configuration(rate_limit_store=url)
    assert message in str(raised.value)


def test_a_store_without_a_rate_limit_is_refused():
    with pytest.raises(skyportal_client.ApiValueError, match="give rate_limit too"):
        skyportal_client.SkyPortal("http://127.0.0.1:1", "t", rate_limit=None, rate_limit_store="sqlite:///x.db")


def test_a_process_killed_inside_the_stores_transaction_holds_nothing(store_url, tmp_path):
    """No lock outlives its holder: the others go on at once, and the half-done take left nothing."""
    key = new_key()
    ready = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, str(JOBS), store_url, key, str(ready)])
    try:
        for _ in range(600):
            if ready.exists() or holder.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), "the holding process did not get into the transaction"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    bucket = shared_limit.open_bucket(store_url, key)
    # A whole burst is there: the killed process's token was never taken.
    assert [bucket.reserve(1.0, BURST) for _ in range(BURST)] == [0.0] * BURST
    bucket.close()


@pytest.fixture
def limited(skyportal, skyportal_server):
    """Objects with 3 points each, on the embedded server limiting the token at RATE, BURST."""
    url, token = skyportal.url, skyportal.token
    setup = provision(url, token)
    obj_ids = [create_source(url, token, setup.group_id) for _ in range(24)]
    api_call(url, token, "POST", "/api/photometry", {
        "obj_id": [obj_id for obj_id in obj_ids for _ in range(3)], "instrument_id": setup.instrument_id,
        "mjd": [59000.0 + number for number in range(3 * len(obj_ids))], "filter": "ztfg",
        "mag": [18.5] * (3 * len(obj_ids)), "magerr": [0.05] * (3 * len(obj_ids)), "limiting_mag": 21.0,
        "magsys": "ab", "group_ids": [setup.group_id]})
    skyportal_server.set_rate_limit(RATE, BURST)
    skyportal_server.clear_requests()
    return url, token, obj_ids


def test_processes_of_one_machine_sharing_sqlite_meet_no_429(limited, skyportal_server, sqlite_url):
    url, token, obj_ids = limited
    settings = {"rate_limit": RATE, "rate_limit_burst": BURST, "rate_limit_store": sqlite_url}
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        counts = list(pool.map(shared_limit_jobs.read_light_curves, [url] * 4, [token] * 4,
                               [obj_ids[index::4] for index in range(4)], [settings] * 4))
    assert sorted(count for part in counts for count in part) == [3] * len(obj_ids)
    statuses = [record.status for record in skyportal_server.requests]
    assert len(statuses) == len(obj_ids) and statuses.count(429) == 0


def test_processes_without_a_store_adapt_and_no_call_fails(limited, skyportal_server):
    url, token, obj_ids = limited
    settings = {"rate_limit": RATE, "rate_limit_burst": BURST}
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        counts = list(pool.map(shared_limit_jobs.read_light_curves, [url] * 4, [token] * 4,
                               [obj_ids[index::4] for index in range(4)], [settings] * 4))
    assert sorted(count for part in counts for count in part) == [3] * len(obj_ids)
    answered = [record.status for record in skyportal_server.requests if record.status != 429]
    assert answered == [200] * len(obj_ids)


def test_a_dask_cluster_sharing_redis_downloads_every_light_curve_without_a_429(limited, skyportal_server,
                                                                                 redis_url):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        missing("dask.distributed", DASK_INSTALL)
    url, token, obj_ids = limited
    settings = {"rate_limit": RATE, "rate_limit_burst": BURST, "rate_limit_store": redis_url}
    with LocalCluster(n_workers=4, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        futures = [client.submit(shared_limit_jobs.read_light_curves, url, token, obj_ids[index::4], settings,
                                 pure=False) for index in range(4)]
        counts = client.gather(futures)
        workers = len(client.scheduler_info()["workers"])
    assert workers == 4
    assert sorted(count for part in counts for count in part) == [3] * len(obj_ids)
    statuses = [record.status for record in skyportal_server.requests]
    assert len(statuses) == len(obj_ids) and statuses.count(429) == 0


def test_without_the_redis_package_a_redis_store_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis now raises ImportError
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        skyportal_client.SkyPortal("http://127.0.0.1:1", "t", rate_limit_store="redis://:secret@127.0.0.1:1/0")
    assert str(raised.value) == ('rate_limit_store=redis://... needs the redis package: '
                                 'pip install "skyportal-client[redis]"')


def test_a_store_that_cannot_be_reached_leaves_each_request_to_its_own_limit(skyportal, caplog, tmp_path):
    unwritable = f"sqlite:///{tmp_path}/no-such-folder/rate.db"
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token, rate_limit_store=unwritable) as sp:
        assert sp.version == "1.4.0"
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 1 and "The shared rate limit store is unavailable (the SQLite file" in warnings[0]
    assert skyportal.token not in warnings[0]
