"""``python -m bench``: runs every case for every contender and writes bench/results.md.

The servers (the canned one for reads, the embedded SkyPortal for uploads) run
in this process; each contender runs in worker subprocesses, so that a server
never competes with a client for the same interpreter lock.
"""

import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from bench import builds, download_case, report
from bench.canned import CannedServer
from bench.worker import UPLOAD_CHUNK, upload_body
from skyportal_client.testing import SkyPortalTestServer, create_source, provision
from skyportal_client.testing.provision import api_call

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
# Every contender's timing worker runs once per round, in the opposite order each
# round, so that a drift in the machine's speed falls on every contender alike, and
# the samples of all rounds are pooled: loops over 100 000 dicts run up to ~15%
# faster or slower in one process than in the next, and more processes even that out.
ROUNDS = 4
UPLOAD_REPEATS = 2  # per round
MEMORY_SAMPLES = 3
# The contenders that make tables (bench/contenders.py), and the tables whose memory is measured.
TABLE_CONTENDERS = ("raw", "sdk", "sdk-stdlib")
TABLE_KINDS = ("pandas", "astropy")
WORKER_TIMEOUT_SECONDS = 900
# How a worker can fail: a non-zero exit, no end in time, or output that is not JSON.
WORKER_FAILURES = (RuntimeError, subprocess.TimeoutExpired, ValueError)


def run_worker(python, mode, settings, extra_path=()):
    """One worker process's results (its progress goes to our stderr); raises RuntimeError when it fails."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *map(str, extra_path)]))
    completed = subprocess.run(
        [str(python), "-m", "bench.worker", mode, json.dumps(settings)], cwd=ROOT, env=environment,
        stdout=subprocess.PIPE, stderr=None, text=True, timeout=WORKER_TIMEOUT_SECONDS,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the {mode} worker exited with status {completed.returncode}")
    return json.loads(completed.stdout)


def upload_target():
    """A fresh embedded server for one contender's uploads, with an object per repetition
    (plus one for the warm-up), so that no contender uploads into another's data, and an
    object of 10 000 points to fetch through its gzip front."""
    server = SkyPortalTestServer().start()
    setup = provision(server.url, server.token)
    obj_ids = [setup.obj_id] + [create_source(server.url, server.token, setup.group_id)
                                for _ in range(UPLOAD_REPEATS)]
    target = {"url": server.url, "token": server.token, "instrument_id": setup.instrument_id,
              "group_id": setup.group_id, "filters": list(setup.filters), "obj_ids": obj_ids,
              "gzip_obj_id": create_source(server.url, server.token, setup.group_id)}
    api_call(server.url, server.token, "POST", "/api/photometry",
             upload_body(target["gzip_obj_id"], target, 0, UPLOAD_CHUNK))
    return server, target


def contenders(workdir):
    """(key, python, extra sys.path) for every contender that can run here; prints why one cannot."""
    available = [("raw", sys.executable, ()), ("sdk", sys.executable, ()), ("sdk-stdlib", sys.executable, ())]
    try:
        available.append(("stock", sys.executable, (builds.stock_client(workdir),)))
    except builds.Unavailable as reason:
        print(f"skipping the stock openapi-generator client: {reason}", flush=True)
    try:
        available.append(("skyportal-py", builds.skyportal_py_python(), ()))
    except builds.Unavailable as reason:
        print(f"skipping skyportal-py: {reason}", flush=True)
    return available


def pin_to_one_cpu():
    """Keeps this process, and so the servers and every worker it starts, on one CPU.

    On a small virtual machine a loopback round trip between processes on two CPUs
    wakes the other CPU every time, and the median of 2000 tiny calls moved by up
    to 2x from one run to the next; on one CPU it stays within a few percent. The
    server's share of the work then counts in every contender's wall times alike.
    Returns the CPU, or None where the system cannot pin (then runs are noisier).
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def pool(into, measured):
    """Adds one round's measurements of a contender to the earlier rounds': samples are
    joined, and a case that failed in any round stays failed."""
    for case, value in measured.items():
        if "error" in into.get(case, {}):
            continue
        if case == "versions" or "error" in value:
            into[case] = value
        elif "samples" in value:
            into.setdefault(case, {"samples": []})["samples"].extend(value["samples"])
        else:  # a case with several measurements, such as the upload's CPU and wall time
            pool(into.setdefault(case, {}), value)


def summarise(measured):
    """The median and the number of samples of every pooled case."""
    summary = {}
    for case, value in measured.items():
        if case == "versions" or "error" in value:
            summary[case] = value
        elif "samples" in value:
            summary[case] = {"median": statistics.median(value["samples"]), "runs": len(value["samples"])}
        else:
            summary[case] = summarise(value)
    return summary


def main():
    cpu = pin_to_one_cpu()
    print(f"servers and workers pinned to CPU {cpu}" if cpu is not None else "not pinned to a CPU", flush=True)
    skipped = {}
    with tempfile.TemporaryDirectory(prefix="skyportal-bench-") as workdir, CannedServer() as canned:
        print("building the contenders that are made at bench time ...", flush=True)
        available = contenders(workdir)
        pooled = {key: {} for key, _, _ in available}
        for round_index in range(ROUNDS):
            for key, python, extra_path in available if round_index % 2 == 0 else available[::-1]:
                if key in skipped:
                    continue
                print(f"round {round_index + 1} of {ROUNDS}, {key}: tiny calls, fetches, typed access, uploads ...",
                      flush=True)
                server, uploads = upload_target()
                settings = {"contender": key, "canned_url": canned.url, "canned_token": canned.token,
                            "uploads": uploads}
                try:
                    pool(pooled[key], run_worker(python, "timing", settings, extra_path))
                except WORKER_FAILURES as error:
                    skipped[key] = str(error)
                    print(f"{key}: failed: {error}", flush=True)
                finally:
                    server.stop()
        for key, python, extra_path in available:
            if key in skipped:
                continue
            print(f"{key}: peak memory of a 100 000-point fetch ({MEMORY_SAMPLES} processes) ...", flush=True)
            for kind in (None, *(TABLE_KINDS if key in TABLE_CONTENDERS else ())):
                settings = {"contender": key, "canned_url": canned.url, "canned_token": canned.token, "table": kind}
                case = f"memory_{kind}_100k" if kind else "memory_100k"
                try:
                    pooled[key][case] = {"samples": [
                        run_worker(python, "memory", settings, extra_path)["peak_growth_bytes"]
                        for _ in range(MEMORY_SAMPLES)]}
                except WORKER_FAILURES as error:
                    pooled[key][case] = {"error": str(error)}
    results = {key: summarise(measured) for key, measured in pooled.items() if key not in skipped}
    text = report.render(results, skipped, pinned_cpu=cpu, previous=RESULTS.read_text() if RESULTS.exists() else "")
    RESULTS.write_text(text)
    print(text)
    print(f"written to {RESULTS.relative_to(ROOT)}")
    download_case.main(run_worker)


if __name__ == "__main__":
    main()
