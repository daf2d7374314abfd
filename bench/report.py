"""bench/results.md: the machine, the medians, the ratios to raw urllib3 and the targets."""

import collections
import os
import platform

import urllib3

# Everything below this line in results.md is written by hand (the reasons behind
# the numbers) and kept when the bench rewrites the tables above it.
NOTES_MARKER = "<!-- Hand-written notes below: the bench keeps them when it rewrites the tables. -->"
BASELINE = "raw"
ORDER = ("raw", "sdk", "sdk-stdlib", "stock", "skyportal-py")
TITLES = {"raw": "raw urllib3 + json", "sdk": "skyportal_client [fast]", "sdk-stdlib": "skyportal_client, json only",
          "stock": "stock generator 5.4.0", "skyportal-py": "skyportal-py"}
# skyportal_client's two ways of running: with the [fast] extra, and without it.
OURS = ("sdk", "sdk-stdlib")

# targets: the most each of OURS may cost, as a ratio to raw urllib3's ``baseline`` case (the
# row's own case when None); a contender without a target is shown but not judged.
Row = collections.namedtuple("Row", "case part label unit scale targets baseline", defaults=(None,))
ROWS = (
    Row("tiny_call", None, "Tiny call: GET /api/photometry/1, one point", "µs", 1e6, {"sdk": 1.10, "sdk-stdlib": 1.10}),
    Row("fetch_10k", None, "Fetch and decode a 10 000-point light curve", "ms", 1e3, {}),
    Row("fetch_100k", None, "Fetch and decode a 100 000-point light curve", "ms", 1e3, {"sdk": 0.8, "sdk-stdlib": 1.05}),
    Row("fetch_10k_gzip", None, "Fetch a 10 000-point light curve from the embedded SkyPortal, gzipped", "ms", 1e3, {}),
    Row("typed_access_100k", None, "Typed access: mjd, mag and filter of 100 000 points", "ms", 1e3,
        {"sdk": 1.3, "sdk-stdlib": 1.3}),
    Row("fetch_pandas_100k", None, "100 000 points as a pandas DataFrame (raw: + DataFrame.from_records)", "ms", 1e3,
        {"sdk": 0.5, "sdk-stdlib": 1.2}),
    Row("fetch_astropy_100k", None, "100 000 points as an astropy Table (raw: + Table(rows=...))", "ms", 1e3,
        {"sdk": 0.5, "sdk-stdlib": 1.2}),
    Row("pandas_100k", None, "Decoded points to a DataFrame (raw: DataFrame.from_records)", "ms", 1e3, {}),
    Row("astropy_100k", None, "Decoded points to a Table (raw: Table(rows=...))", "ms", 1e3, {}),
    Row("write_csv_100k", None, "Write 100 000 points as CSV (raw: astropy's writer on their Table)", "ms", 1e3,
        {"sdk": 1.2, "sdk-stdlib": 1.2}),
    Row("write_ecsv_100k", None, "Write 100 000 points as ECSV (raw: astropy's writer on their Table)", "ms", 1e3,
        {"sdk": 1.2, "sdk-stdlib": 1.2}),
    Row("upload_100k_canned", None, "Upload 100 000 points (10 POSTs) to the canned server: client CPU", "ms", 1e3,
        {"sdk": 0.5, "sdk-stdlib": 1.2}),
    Row("upload_100k", "cpu", "Upload 100 000 points (10 POSTs) to the embedded SkyPortal: client CPU", "ms", 1e3,
        {"sdk": 0.5, "sdk-stdlib": 1.2}),
    Row("upload_100k", "wall", "Upload 100 000 points (10 POSTs) to the embedded SkyPortal: wall", "ms", 1e3, {}),
    Row("memory_100k", None, "Peak RSS growth while fetching 100 000 points", "MiB", 1 / 2**20,
        {"sdk": 1.1, "sdk-stdlib": 1.1}),
    Row("memory_pandas_100k", None, "Peak RSS growth while fetching 100 000 points as a DataFrame "
        "(ratio to raw's plain fetch)", "MiB", 1 / 2**20, {"sdk": 1.0}, "memory_100k"),
    Row("memory_astropy_100k", None, "Peak RSS growth while fetching 100 000 points as a Table "
        "(ratio to raw's plain fetch)", "MiB", 1 / 2**20, {"sdk": 1.0}, "memory_100k"),
)


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _measurement(results, key, row):
    """The row's {"median", "runs"} or {"error"} for one contender, or None when not run."""
    value = results.get(key, {}).get(row.case)
    if value is not None and row.part is not None and "error" not in value:
        value = value[row.part]
    return value


def _ratio(results, key, row):
    floor_row = row._replace(case=row.baseline) if row.baseline else row
    value, floor = _measurement(results, key, row), _measurement(results, BASELINE, floor_row)
    if not value or not floor or "median" not in value or "median" not in floor or not floor["median"]:
        return None
    return value["median"] / floor["median"]


def _cell(value, row):
    if value is None:
        return "—"
    if "error" in value:
        return "failed"
    return f"{value['median'] * row.scale:,.1f} {row.unit}"


def _run_range(runs):
    """How many runs the contenders' medians come from: "30", or "5–30" when a slow one stopped early."""
    if not runs:
        return "—"
    return str(min(runs)) if min(runs) == max(runs) else f"{min(runs)}–{max(runs)}"


def _versions(results):
    versions = {}
    for key in ORDER:
        versions.update(results.get(key, {}).get("versions", {}))
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))


def render(results, skipped, pinned_cpu=None, previous=""):
    keys = [key for key in ORDER if key in results]
    lines = [
        "# Benchmark results",
        "",
        "Written by `.venv/bin/python -m bench` (see bench/README.md); the tables are rewritten on every run.",
        "",
        "## Machine",
        "",
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"urllib3 {urllib3.__version__}, {platform.system()} {platform.release()}",
        f"- Contenders: {_versions(results)}",
        "- skyportal_client runs with `rate_limit=None` (its client-side 5 requests/s throttle off); "
        "\"json only\" is the same client with `json_codec.use_fast_json(False)`, as it runs without the [fast] extra.",
        f"- Servers and clients pinned to CPU {pinned_cpu}, so that loopback round trips do not cross CPUs."
        if pinned_cpu is not None else "- Not pinned to one CPU: expect more noise.",
        "",
        "## Medians",
        "",
        "| Case | " + " | ".join(TITLES[key] for key in keys) + " | Runs |",
        "|---|" + "---:|" * (len(keys) + 1),
    ]
    for row in ROWS:
        measured = [_measurement(results, key, row) for key in keys]
        runs = [value["runs"] for value in measured if value and "runs" in value]
        lines.append(f"| {row.label} | " + " | ".join(_cell(value, row) for value in measured)
                     + f" | {_run_range(runs)} |")
    lines += [
        "",
        "## Ratios to raw urllib3 (lower is better)",
        "",
        "Targets are for skyportal_client with the [fast] extra / without it.",
        "",
        "| Case | Targets | " + " | ".join(TITLES[key] for key in keys) + " |",
        "|---|---:|" + "---:|" * len(keys),
    ]
    verdicts = []
    for row in ROWS:
        cells = []
        for key in keys:
            ratio = _ratio(results, key, row)
            cells.append("—" if ratio is None else f"{ratio:.2f}")
        targets = " / ".join("—" if key not in row.targets else f"≤ {row.targets[key]:.2f}" for key in OURS)
        lines.append(f"| {row.label} | {'—' if not row.targets else targets} | " + " | ".join(cells) + " |")
        for key, target in row.targets.items():
            ratio = _ratio(results, key, row)
            what = f"{row.label}, {TITLES[key]}"
            if ratio is None:
                verdicts.append(f"- {what}: not measured")
            elif ratio <= target:
                verdicts.append(f"- {what}: met ({ratio:.2f} ≤ {target:.2f})")
            else:
                verdicts.append(f"- {what}: **missed** by {(ratio / target - 1) * 100:.0f}% ({ratio:.2f} > {target:.2f})")
    lines += ["", "## skyportal_client against its targets", "", *verdicts]
    failures = [(key, row, _measurement(results, key, row)["error"]) for key in keys for row in ROWS
                if (_measurement(results, key, row) or {}).get("error")]
    if failures or skipped:
        lines += ["", "## Not measured", ""]
        lines += [f"- {TITLES[key]}: skipped: {reason}" for key, reason in skipped.items()]
        lines += [f"- {TITLES[key]}, {row.label}: {error}" for key, row, error in failures]
    lines.append("")
    notes = previous.split(NOTES_MARKER, 1)[1] if NOTES_MARKER in previous else "\n"
    return "\n".join(lines) + "\n" + NOTES_MARKER + notes
