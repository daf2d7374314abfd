"""Upload bodies for the tests, with observation times no other test uses."""

import itertools
import math
import random

# A different start for every run, so that runs against a real SkyPortal never collide either.
_FIRST_MJD = 58000 + round(random.uniform(0, 2000), 3)
_steps = itertools.count()


def fresh_mjds(count):
    """MJDs no other test of this run uses, so that uploads never collide as duplicates."""
    return [round(_FIRST_MJD + next(_steps) * 0.001, 6) for _ in range(count)]


def mag_points(provisioned, count=3, **fields):
    """An upload body of ``count`` detections in mag space for the provisioned object."""
    body = {
        "obj_id": provisioned.obj_id, "instrument_id": provisioned.instrument_id,
        "mjd": fresh_mjds(count), "mag": [19.0 + 0.1 * i for i in range(count)],
        "magerr": [0.05] * count, "limiting_mag": [21.0] * count, "filter": "ztfg", "magsys": "ab",
    }
    body.update(fields)
    return body


def flux_points(provisioned, count=3, **fields):
    """An upload body of ``count`` points in flux space (µJy, zero point 23.9)."""
    body = {
        "obj_id": provisioned.obj_id, "instrument_id": provisioned.instrument_id,
        "mjd": fresh_mjds(count), "flux": [150.0 + i for i in range(count)], "fluxerr": [5.0] * count,
        "zp": 23.9, "filter": "ztfr", "magsys": "ab",
    }
    body.update(fields)
    return body


# One bad value of each kind, as (column, value, the problem's kind).
BAD_VALUES = [
    ("mag", math.nan, "NaN"), ("magerr", -0.1, "too small"), ("mjd", 2459000.5, "Julian Date, not MJD"),
    ("filter", "sdssu", "filter not on the instrument"), ("magerr", None, "null alone"),
]


def ten_thousand_rows_with_two_thousand_bad(mjds):
    """10 000 detections; every fifth row has one bad value, of one of five kinds in turn."""
    rows = [{"mjd": mjd, "filter": "ztfg", "mag": 19.0 + (row % 100) * 0.01, "magerr": 0.05}
            for row, mjd in enumerate(mjds)]
    bad = {}
    for number, row in enumerate(range(3, 10_000, 5)):
        column, value, kind = BAD_VALUES[number % len(BAD_VALUES)]
        rows[row][column] = value
        bad[row] = kind
    return rows, bad
