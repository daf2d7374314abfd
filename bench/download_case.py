"""The bench's download case: many light curves under SkyPortal's rate limit.

    .venv/bin/python -m bench.download_case     (``python -m bench`` runs it last)

A naive loop over the seed method (``PhotometryApi.api_sources_obj_id_photometry_get``,
one object after the other) against ``download_light_curves`` (four threads sharing one
client, a cache directory), both with the client's default rate limit, against the
embedded SkyPortal limiting like SkyPortal's nginx (5 requests/s, bursts of 10) and
taking SERVER_DELAY seconds over each answer, as a real server takes time to read a
light curve out of its database. Each runs twice: the second run is tomorrow's, when
nothing changed. The server counts the requests, the 429s and the body bytes it sent.
Writes bench/download-results.md.
"""

import pathlib
import platform
import sys
import tempfile
import time

from skyportal_client.testing import SkyPortalTestServer, create_source, provision
from skyportal_client.testing.provision import api_call

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "download-results.md"
OBJECTS = 100
POINTS_PER_OBJECT = 30
SERVER_DELAY = 0.25  # seconds
RATE, BURST = 5.0, 10  # SkyPortal's nginx, and the client's default
# A new process starts with a full bucket, while the server still counts the last run's
# requests: waiting this long between runs lets the server's count drain first.
SETTLE_SECONDS = (BURST + 1) / RATE + 1
CONTENDERS = {"loop": "naive loop over api_sources_obj_id_photometry_get",
              "download": "download_light_curves, 4 workers, cache"}


def run_client(settings):
    """One run of one contender, in a worker process: its wall seconds."""
    import skyportal_client
    from skyportal_client.api.photometry_api import PhotometryApi

    configuration = skyportal_client.Configuration(host=settings["url"], token=settings["token"])
    with skyportal_client.ApiClient(configuration) as api_client:
        started = time.perf_counter()
        if settings["contender"] == "loop":
            api = PhotometryApi(api_client)
            light_curves = {obj_id: api.api_sources_obj_id_photometry_get(obj_id)["data"]
                            for obj_id in settings["obj_ids"]}
        else:
            light_curves = skyportal_client.download_light_curves(
                api_client, settings["obj_ids"], cache=settings["cache"]).light_curves
        wall = time.perf_counter() - started
    if len(light_curves) != len(settings["obj_ids"]) or \
            any(len(points) != POINTS_PER_OBJECT for points in light_curves.values()):
        raise RuntimeError("a light curve is missing or incomplete")
    return {"wall": wall}


def objects(server, count=OBJECTS):
    """``count`` new objects with POINTS_PER_OBJECT points each, uploaded in one request."""
    setup = provision(server.url, server.token)
    obj_ids = [create_source(server.url, server.token, setup.group_id) for _ in range(count)]
    rows = [(obj_id, index) for obj_id in obj_ids for index in range(POINTS_PER_OBJECT)]
    api_call(server.url, server.token, "POST", "/api/photometry", {
        "obj_id": [obj_id for obj_id, _ in rows], "instrument_id": setup.instrument_id,
        "mjd": [59000.0 + number * 0.01 for number in range(len(rows))],
        "filter": [setup.filters[index % 3] for _, index in rows],
        "mag": [18.0 + (index % 17) / 10 for _, index in rows], "magerr": [0.05] * len(rows),
        "limiting_mag": [21.0] * len(rows), "magsys": "ab", "group_ids": [setup.group_id]})
    return obj_ids


def measure(run_worker):
    """{contender: [first run, second run]}, each {wall, requests, too_many, body_bytes};
    ``run_worker(python, mode, settings)`` runs a worker process (bench.__main__.run_worker)."""
    server = SkyPortalTestServer().start()
    results = {}
    try:
        obj_ids = objects(server)
        server.set_rate_limit(RATE, BURST)
        with tempfile.TemporaryDirectory(prefix="skyportal-bench-cache-") as cache:
            for contender in CONTENDERS:
                runs = results[contender] = []
                for run in ("first", "second"):
                    print(f"download case, {contender}: {run} run of {OBJECTS} objects ...", flush=True)
                    time.sleep(SETTLE_SECONDS)
                    server.clear_requests()
                    server.inject_fault("slow", count=10 * OBJECTS, delay=SERVER_DELAY)
                    settings = {"contender": contender, "url": server.url, "token": server.token,
                                "obj_ids": obj_ids, "cache": cache}
                    wall = run_worker(sys.executable, "download", settings)["wall"]
                    server.clear_faults()
                    records = server.requests
                    runs.append({"wall": wall, "requests": len(records),
                                 "too_many": sum(record.status == 429 for record in records),
                                 "body_bytes": sum(record.body_bytes for record in records)})
    finally:
        server.stop()
    return results


def render(results):
    lines = [
        "# Benchmark: downloading many light curves",
        "",
        "Written by `.venv/bin/python -m bench.download_case` (also run by `python -m bench`; see "
        "bench/README.md); rewritten on every run.",
        "",
        f"{OBJECTS} objects of {POINTS_PER_OBJECT} points each, from the embedded SkyPortal limiting requests "
        f"like SkyPortal's nginx ({RATE:g} per second, bursts of {BURST}) and taking {SERVER_DELAY:g} s over "
        "each answer; both contenders use the client's default rate limit, the same numbers. The second run "
        "is the next day's, when nothing changed on the server. Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}.",
        "",
        "| Contender | Run | Wall | Requests | 429 answers | Body bytes sent |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for contender, runs in results.items():
        for run, measured in zip(("first", "second"), runs):
            lines.append(f"| {CONTENDERS[contender]} | {run} | {measured['wall']:.1f} s | {measured['requests']} "
                         f"| {measured['too_many']} | {measured['body_bytes']:,} |")
    loop, download = results["loop"], results["download"]
    lines += [
        "",
        f"- First run: download_light_curves took {download[0]['wall'] / loop[0]['wall']:.2f} of the loop's wall "
        "time: its threads keep requests under way while the server works, up to the rate limit.",
        f"- Second run: {download[1]['body_bytes']:,} body bytes instead of {loop[1]['body_bytes']:,}: every "
        "object is one 304 Not Modified without a body. The request count stays one per object; only the "
        "rate limit bounds its wall time.",
        "",
    ]
    return "\n".join(lines)


def main(run_worker):
    text = render(measure(run_worker))
    RESULTS.write_text(text)
    print(text)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    from bench.__main__ import pin_to_one_cpu, run_worker

    pin_to_one_cpu()
    main(run_worker)
