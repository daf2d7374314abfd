"""The bench's many-processes case: one token, many processes, against SkyPortal's rate limit.

    .venv/bin/python -m bench.many_processes      (about ten minutes; talks to loopback only)

The embedded SkyPortal limits the token as SkyPortal's nginx does (5 requests/s, bursts of
10, a 429 without Retry-After), in this process. The clients are processes of their own,
made and connected before a common start, so that the clock measures the requests only:

* one process alone, 50 light-curve reads, with the adaptive limit and with the fixed one
  it replaced ("today");
* 8 processes x 50 reads, one token, no shared store: each adapts to the 429s it meets;
* the same with ``rate_limit_store="sqlite:///..."``;
* a Dask LocalCluster of 4 worker processes downloading 200 light curves (one task each)
  with ``rate_limit_store="redis://..."``, against a redis-server of its own on loopback
  (skipped, with the install command, when redis-server, redis or dask is missing).

"Ideal" is the calls divided by 5 per second. The server counts the requests and the 429s.
Writes its section of bench/results.md (below the notes marker, which ``python -m bench`` keeps).
"""

import multiprocessing
import pathlib
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from bench.download_case import POINTS_PER_OBJECT, objects
from skyportal_client.testing import SkyPortalTestServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
START, END = "<!-- many processes: start -->", "<!-- many processes: end -->"
RATE, BURST = 5.0, 10
OBJECTS = 50
DASK_OBJECTS = 200
# The server's count of a finished case must drain before the next starts with full buckets.
SETTLE_SECONDS = (BURST + 1) / RATE + 1
TARGETS = {"alone": (0, None, None), "pool": (0, 0.10, 1.3), "pool-sqlite": (0, 0.0, 1.1), "dask-redis": (0, 0.0, 1.1)}
INSTALL = "apt-get install redis-server, and pip install -e \".[test]\" (redis, dask[distributed])"


def _reads(url, token, obj_ids, settings, fixed, ready, go, results):
    """One client process: a SkyPortal made now, the reads after ``go``; puts (failures, seconds)."""
    import skyportal_client
    from skyportal_client._transport.throttle import Throttle

    with skyportal_client.SkyPortal(url, token, **settings) as sp:
        if fixed:  # the limit as it was before it adapted
            sp.api_client.rest_client.throttle = Throttle(RATE, BURST, adaptive=False)
        ready.put(True)
        go.wait()
        started, failures = time.perf_counter(), 0
        for obj_id in obj_ids:
            try:
                if len(sp.photometry.get(obj_id)) != POINTS_PER_OBJECT:
                    failures += 1
            except skyportal_client.ApiException:
                failures += 1
        results.put((failures, time.perf_counter() - started))


def run_processes(server, obj_ids, processes, settings, fixed=False):
    """{wall, calls, failures, requests, too_many} of ``processes`` clients reading ``obj_ids`` each."""
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    workers = [context.Process(target=_reads, args=(server.url, server.token, obj_ids, settings, fixed, ready, go,
                                                    results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=120)
    time.sleep(SETTLE_SECONDS)
    server.clear_requests()
    started = time.perf_counter()
    go.set()
    outcomes = [results.get(timeout=1800) for _ in workers]
    wall = time.perf_counter() - started
    for worker in workers:
        worker.join(60)
    return _counted(server, wall, processes * len(obj_ids), sum(failures for failures, _ in outcomes))


def _counted(server, wall, calls, failures):
    records = server.requests
    return {"wall": wall, "calls": calls, "failures": failures, "requests": len(records),
            "too_many": sum(record.status == 429 for record in records)}


_worker_clients = {}


def _download_one(url, token, obj_id, settings):
    """A Dask task: one light curve, through the SkyPortal this worker process keeps."""
    import skyportal_client

    sp = _worker_clients.get(url)
    if sp is None:
        sp = _worker_clients[url] = skyportal_client.SkyPortal(url, token, **settings)
    try:
        return len(sp.photometry.get(obj_id)) == POINTS_PER_OBJECT
    except skyportal_client.ApiException:
        return False


def _warm_up(url, token, settings):
    """Makes the worker's SkyPortal (and imports) before the clock starts; sends nothing."""
    import skyportal_client

    _worker_clients.setdefault(url, skyportal_client.SkyPortal(url, token, **settings))
    return True


def run_dask(server, obj_ids, redis_url):
    from dask.distributed import Client, LocalCluster

    settings = {"rate_limit_store": redis_url}
    with LocalCluster(n_workers=4, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(_warm_up, server.url, server.token, settings)
        time.sleep(SETTLE_SECONDS)
        server.clear_requests()
        started = time.perf_counter()
        futures = [client.submit(_download_one, server.url, server.token, obj_id, settings, pure=False)
                   for obj_id in obj_ids]
        answers = client.gather(futures)
        wall = time.perf_counter() - started
        client.run(lambda: [sp.close() for sp in _worker_clients.values()])
    return _counted(server, wall, len(obj_ids), answers.count(False))


def redis_server(folder):
    """A redis-server of its own on loopback: (process, url), or a reason why not."""
    binary = shutil.which("redis-server")
    try:
        import dask.distributed  # noqa: F401
        import redis
    except ImportError:
        binary = None
    if binary is None:
        return None, f"redis-server, redis or dask is missing: {INSTALL}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
                                "no", "--dir", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    return None, "redis-server did not start"


def measure():
    results, skipped = {}, {}
    with SkyPortalTestServer() as server, tempfile.TemporaryDirectory(prefix="skyportal-bench-") as folder:
        obj_ids = objects(server, DASK_OBJECTS)
        server.set_rate_limit(RATE, BURST)
        reads = obj_ids[:OBJECTS]
        print("many processes: one process alone, fixed limit (today) ...", flush=True)
        results["alone-today"] = run_processes(server, reads, 1, {}, fixed=True)
        print("many processes: one process alone, adaptive ...", flush=True)
        results["alone"] = run_processes(server, reads, 1, {})
        print("many processes: 8 processes, no store ...", flush=True)
        results["pool"] = run_processes(server, reads, 8, {})
        print("many processes: 8 processes, SQLite store ...", flush=True)
        results["pool-sqlite"] = run_processes(server, reads, 8, {"rate_limit_store": f"sqlite:///{folder}/rate.db"})
        process, url = redis_server(folder)
        if process is None:
            skipped["dask-redis"] = url
        else:
            try:
                print("many processes: Dask, 4 workers, Redis store ...", flush=True)
                results["dask-redis"] = run_dask(server, obj_ids, url)
            finally:
                process.terminate()
                process.wait(10)
    return results, skipped


CASES = {
    "alone-today": "1 process × 50 reads, the fixed limit it had before (today)",
    "alone": "1 process × 50 reads",
    "pool": "8 processes × 50 reads, one token, no shared store",
    "pool-sqlite": "8 processes × 50 reads, `rate_limit_store=\"sqlite:///...\"`",
    "dask-redis": "Dask LocalCluster, 4 workers, 200 light curves, `rate_limit_store=\"redis://...\"`",
}


def render(results, skipped):
    lines = [START, "## Many processes, one token", "",
             "Written by `.venv/bin/python -m bench.many_processes` (see bench/README.md); rewritten on every "
             f"run. The embedded SkyPortal limits the token as SkyPortal's nginx does ({RATE:g}/s, bursts of "
             f"{BURST}, 429 without Retry-After); every client uses the defaults (`rate_limit={RATE:g}`, "
             f"`rate_limit_burst={BURST}`, 3 retries). Light curves of {POINTS_PER_OBJECT} points. \"Ideal\" is "
             f"calls / {RATE:g} per second. Python {platform.python_version()}, {platform.system()} "
             f"{platform.release()}, {multiprocessing.cpu_count()} CPUs.", "",
             "| Case | Calls | Failed calls | Requests | 429s | 429s / requests | Wall | Ideal | Wall / ideal |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, title in CASES.items():
        if key in skipped:
            lines.append(f"| {title} | skipped: {skipped[key]} |||||||| ")
            continue
        measured = results[key]
        ideal = measured["calls"] / RATE
        lines.append(f"| {title} | {measured['calls']} | {measured['failures']} | {measured['requests']} | "
                     f"{measured['too_many']} | {measured['too_many'] / measured['requests']:.1%} | "
                     f"{measured['wall']:.1f} s | {ideal:.1f} s | {measured['wall'] / ideal:.2f} |")
    lines += ["", "Against the targets:", ""]
    for key, (failures, share, ratio) in TARGETS.items():
        if key in skipped:
            lines.append(f"- {CASES[key]}: not measured ({skipped[key]})")
            continue
        measured = results[key]
        ideal = measured["calls"] / RATE
        checks = [("failed calls", measured["failures"], failures, "{}")]
        checks.append(("429s / requests", measured["too_many"] / measured["requests"], share or 0.0, "{:.1%}"))
        if ratio is not None:
            checks.append(("wall / ideal", measured["wall"] / ideal, ratio, "{:.2f}"))
        else:
            today = results["alone-today"]["wall"]
            checks.append(("wall / today's", measured["wall"] / today, 1.05, "{:.2f}"))
        said = [f"{name} {form.format(value)} {'≤' if value <= target else '>'} {form.format(target)}"
                for name, value, target, form in checks]
        met = all(value <= target for _, value, target, _ in checks)
        lines.append(f"- {CASES[key]}: {'met' if met else '**missed**'} ({'; '.join(said)})")
    lines.append(END)
    return "\n".join(lines)


def write(section):
    text = RESULTS.read_text()
    if START in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main():
    section = render(*measure())
    write(section)
    print(section)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
