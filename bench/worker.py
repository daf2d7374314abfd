"""Runs the cases for one contender in a process of its own and prints the results as JSON.

    python -m bench.worker timing '<json settings>'
    python -m bench.worker memory '<json settings>'
    python -m bench.worker download '<json settings>'   (see bench.download_case)

A process per contender keeps one client's imports, caches and garbage out of
another's numbers; ``memory`` gets a fresh process of its own for every sample,
so that its peak is that of one 100 000-point fetch and nothing before it.
"""

import gc
import json
import pathlib
import re
import sys
import tempfile
import time

from bench.contenders import CONTENDERS
from bench.download_case import run_client

TINY_CALLS = 1000  # a round; the bench pools four rounds
TINY_WARM_UP = 200
UPLOAD_CHUNK = 10_000  # SkyPortal refuses more rows in one request
UPLOAD_POINTS = 100_000
CANNED_UPLOADS = 5  # a round, of 100 000 points each
TABLE_KINDS = ("pandas", "astropy")


def repeat(action, *, runs, budget_seconds):
    """Wall seconds of ``action()`` for ``runs`` runs, stopping early (after three)
    once ``budget_seconds`` have gone, so that a slow contender cannot stall a round."""
    seconds = []
    started = time.perf_counter()
    while len(seconds) < runs and (len(seconds) < 3 or time.perf_counter() - started < budget_seconds):
        before = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - before)
    return seconds


def samples(seconds):
    """A case's measurements; the bench pools them over its rounds before taking the median."""
    return {"samples": seconds}


def upload_body(obj_id, setup, start, size):
    """Points ``start`` to ``start + size`` of a column-form upload in magnitude space;
    every tenth point is a non-detection."""
    indices = range(start, start + size)
    detected = [index % 10 != 0 for index in indices]
    filters = setup["filters"]
    return {
        "obj_id": obj_id,
        "instrument_id": setup["instrument_id"],
        "mjd": [59000.0 + index * 0.013 for index in indices],
        "mag": [18.0 + (index % 97) / 50.0 if seen else None for index, seen in zip(indices, detected)],
        "magerr": [0.02 + (index % 29) / 1000.0 if seen else None for index, seen in zip(indices, detected)],
        "limiting_mag": [20.5 + (index % 7) / 10.0 for index in indices],
        "filter": [filters[index % len(filters)] for index in indices],
        "magsys": "ab",
        "group_ids": [setup["group_id"]],
    }


def run_case(results, name, measure):
    """Stores ``measure()``'s result under ``name``, or the error that stopped it."""
    print(f"    {name} ...", file=sys.stderr, flush=True)
    try:
        results[name] = measure()
    except Exception as error:  # a contender that cannot do a case is reported, not fatal
        results[name] = {"error": f"{type(error).__name__}: {str(error)[:300]}"}


def timing(settings):
    contender_class = CONTENDERS[settings["contender"]]
    reader = contender_class(settings["canned_url"], settings["canned_token"])  # reads from the canned server
    uploads = settings["uploads"]
    results = {"versions": reader.versions}

    def tiny():
        for _ in range(TINY_WARM_UP):
            reader.tiny_call()
        seconds = []
        for _ in range(TINY_CALLS):
            before = time.perf_counter()
            reader.tiny_call()
            seconds.append(time.perf_counter() - before)
        return samples(seconds)

    def fetch(obj_id, runs):
        reader.fetch(obj_id)  # warm-up: imports, connection, caches
        return samples(repeat(lambda: reader.fetch(obj_id), runs=runs, budget_seconds=60))

    def typed_access():
        points = reader.fetch("BENCH100k")
        return samples(repeat(lambda: reader.typed_access(points), runs=8, budget_seconds=60))

    def upload_to_canned():
        # The same ten bodies every time: the canned server stores nothing, so nothing is a duplicate.
        chunks = [upload_body("BENCH100k", uploads, start, UPLOAD_CHUNK) for start in range(0, UPLOAD_POINTS, UPLOAD_CHUNK)]
        reader.upload(chunks[0])  # warm-up
        cpu = []
        for _ in range(CANNED_UPLOADS):
            cpu_before = time.process_time()
            for body in chunks:
                reader.upload(body)
            cpu.append(time.process_time() - cpu_before)
        return samples(cpu)

    def upload():
        client = contender_class(uploads["url"], uploads["token"])
        warm_up_obj_id, *obj_ids = uploads["obj_ids"]
        # One chunk to the first object warms up imports and the connection.
        client.upload(upload_body(warm_up_obj_id, uploads, 0, UPLOAD_CHUNK))
        cpu, wall = [], []
        for obj_id in obj_ids:
            # Built just before it is sent, so that no more than one upload's points are alive.
            chunks = [upload_body(obj_id, uploads, start, UPLOAD_CHUNK) for start in range(0, UPLOAD_POINTS, UPLOAD_CHUNK)]
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            for body in chunks:
                ids = client.upload(body)
                if not ids:
                    raise RuntimeError("the upload returned no ids")
            cpu.append(time.process_time() - cpu_before)
            wall.append(time.perf_counter() - wall_before)
        client.close()
        return {"cpu": samples(cpu), "wall": samples(wall)}

    def fetch_gzipped():
        client = contender_class(uploads["url"], uploads["token"])
        obj_id = uploads["gzip_obj_id"]
        if len(client.fetch(obj_id)) != UPLOAD_CHUNK:  # warm-up, and the points are all there
            raise RuntimeError(f"expected {UPLOAD_CHUNK} points")
        seconds = repeat(lambda: client.fetch(obj_id), runs=4, budget_seconds=60)
        client.close()
        return samples(seconds)

    def fetch_table(kind):
        reader.fetch_table("BENCH100k", kind)  # warm-up: imports
        return samples(repeat(lambda: reader.fetch_table("BENCH100k", kind), runs=4, budget_seconds=60))

    def table(kind):
        points = reader.fetch("BENCH100k")
        reader.table(points, kind)
        return samples(repeat(lambda: reader.table(points, kind), runs=4, budget_seconds=60))

    def write(suffix, runs):
        from skyportal_client._light_curves.tables import to_astropy

        points = reader.fetch("BENCH100k")
        table_of_points = to_astropy(points)  # what raw's astropy writer writes; made outside the timing
        with tempfile.TemporaryDirectory(prefix="skyportal-bench-") as directory:
            path = pathlib.Path(directory) / f"points{suffix}"
            return samples(repeat(lambda: reader.write(points, table_of_points, path), runs=runs,
                                  budget_seconds=120))

    run_case(results, "tiny_call", tiny)
    run_case(results, "fetch_10k", lambda: fetch("BENCH10k", runs=10))
    run_case(results, "fetch_100k", lambda: fetch("BENCH100k", runs=4))
    run_case(results, "typed_access_100k", typed_access)
    run_case(results, "upload_100k_canned", upload_to_canned)
    run_case(results, "upload_100k", upload)
    run_case(results, "fetch_10k_gzip", fetch_gzipped)
    if hasattr(reader, "fetch_table"):
        for kind in TABLE_KINDS:
            run_case(results, f"fetch_{kind}_100k", lambda: fetch_table(kind))
            run_case(results, f"{kind}_100k", lambda: table(kind))
        run_case(results, "write_csv_100k", lambda: write(".csv", runs=3))
        run_case(results, "write_ecsv_100k", lambda: write(".ecsv", runs=1))
    reader.close()
    return results


def _status_kib(field):
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.M).group(1))


def memory(settings):
    """Peak growth of the resident set (RSS) while fetching and decoding 100 000 points,
    as the client's records or, with ``table`` set, as a pandas DataFrame or an astropy Table.

    RSS, not tracemalloc, so that memory taken outside Python's allocator (pydantic's
    Rust core, for one) counts too. The kernel's high-water mark is reset just
    before the fetch (``5`` to /proc/self/clear_refs), so that start-up does not count.
    """
    client = CONTENDERS[settings["contender"]](settings["canned_url"], settings["canned_token"])
    client.tiny_call()  # imports and the connection, which are no part of the fetch
    kind = settings.get("table")
    if kind:
        client.fetch_table("BENCH10k", kind)  # the table path's imports too
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    baseline = _status_kib("VmRSS")
    points = client.fetch_table("BENCH100k", kind) if kind else client.fetch("BENCH100k")
    peak = _status_kib("VmHWM")
    if len(points) != 100_000:
        raise RuntimeError(f"expected 100000 points, got {len(points)}")
    return {"peak_growth_bytes": (peak - baseline) * 1024}


def main(argv):
    mode, settings = argv[0], json.loads(argv[1])
    results = {"timing": timing, "memory": memory, "download": run_client}[mode](settings)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
