"""``python -m bench.json_libraries``: the measurements behind the [fast] extra's choice of libraries.

Decodes the canned 100 000-point light curve and encodes a 10 000-point upload body with the
standard library, orjson and msgspec (each one skipped when not installed), and prints the
best of five runs of each, as a Markdown table for bench/README.md. In-process, no network.
"""

import gc
import json
import platform
import time
from importlib.metadata import PackageNotFoundError, version

from bench.canned import envelope_bytes, light_curve_point
from bench.worker import upload_body

RUNS = 5
SETUP = {"instrument_id": 1, "filters": ["ztfg", "ztfr", "ztfi"], "group_id": 3}


def best_of(action, runs=RUNS):
    """The fastest of ``runs`` runs, in ms, with a collection before each and the result freed after the clock."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
        del result
    return best * 1e3


def contenders(body):
    """(job, name, function) for every library installed; ``body`` is the upload body encoded."""
    from skyportal_client._transport import json_codec
    from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE

    found = [("decode", "json.loads", json.loads),
             ("encode", "json.dumps, compact", lambda body: json.dumps(body, separators=(",", ":")).encode())]
    try:
        import orjson
    except ImportError:
        pass
    else:
        found += [("decode", "orjson.loads", orjson.loads), ("encode", "orjson.dumps", orjson.dumps)]
    try:
        import msgspec
    except ImportError:
        pass
    else:
        from skyportal_client._light_curves.columns import decode_light_curve

        found += [("decode", "msgspec.json.decode, to dicts", msgspec.json.Decoder().decode),
                  ("columns", "msgspec structs to columns (light_curve_columns)", decode_light_curve),
                  ("encode", "msgspec.json.encode", msgspec.json.Encoder().encode)]
    checked = UNKNOWNBASETYPE.coerce(body, "body")  # what the client encodes: the body's checked model
    found.append(("encode", "json_codec.dumps of the checked model (what the client sends)",
                  lambda _: json_codec.dumps(checked)))
    found.append(("check", "model check of the body (PhotometryMagUpload rules)",
                  lambda body: UNKNOWNBASETYPE.coerce(body, "body")))
    return found


def main():
    answer = envelope_bytes([light_curve_point("BENCH100k", index) for index in range(100_000)])
    body = upload_body("BENCH100k", SETUP, 0, 10_000)
    versions = []
    for library in ("orjson", "msgspec"):
        try:
            versions.append(f"{library} {version(library)}")
        except PackageNotFoundError:
            versions.append(f"{library} not installed")
    print(f"Python {platform.python_version()}, {', '.join(versions)}; best of {RUNS} runs\n")
    print("| Job | How | ms |\n|---|---|---:|")
    jobs = ("decode", "columns", "encode", "check")
    for job, name, function in sorted(contenders(body), key=lambda contender: jobs.index(contender[0])):
        data = answer if job in ("decode", "columns") else body
        what = {"decode": f"decode a {len(answer) / 1e6:.0f} MB 100 000-point answer",
                "columns": "the same answer to columns", "encode": "encode a 10 000-point upload body",
                "check": "check a 10 000-point upload body"}[job]
        print(f"| {what} | {name} | {best_of(lambda: function(data)):,.1f} |")


if __name__ == "__main__":
    main()
