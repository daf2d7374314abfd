"""Observation times as SkyPortal stores them: the MJD (Modified Julian Date) in UTC.

SkyPortal's ``mjd`` is a plain number.  Times given any other way are converted
here: an astropy ``Time`` of any format and scale (``time.utc.mjd``), a numpy
``datetime64`` or pandas datetime column (tz-aware ones to UTC first, naive
ones read as UTC, as SkyPortal reads naive times), Python datetimes and dates.
Plain spellings that SkyPortal would store as the wrong time, or not at all,
are refused with the fix: a number above 2 400 000 (no observation has an MJD
that large: up to 2 600 000 it is a Julian Date, beyond that a count of seconds
such as a Unix time) and a date written as text.

Example::

    >>> import datetime
    >>> from skyportal_client._uploads.times import mjd_of
    >>> mjd_of(datetime.datetime(2021, 7, 5, 12, 0))
    59400.5
"""

import datetime
import math
from typing import Any, List, Optional

from skyportal_client._models.problems import Problem
from skyportal_client._util.checks import is_number

# MJD 0: midnight UTC, 17 November 1858.
MJD_EPOCH = datetime.datetime(1858, 11, 17)
MJD_EPOCH_TEXT = "1858-11-17T00:00:00"
# The Julian Date of MJD 0: JD = MJD + 2 400 000.5.
JD_OF_MJD_EPOCH = 2_400_000.5
# No observation has an MJD this large (it is the year 8429); the JD of every modern one is larger.
LARGEST_MJD = 2_400_000
# The JD of the year 2406: a larger number is no Julian Date either, most likely seconds.
LARGEST_JD = 2_600_000
# The MJD of the Unix epoch, 1970-01-01T00:00:00 UTC.
MJD_OF_UNIX_EPOCH = 40_587

_ONE_DAY = datetime.timedelta(days=1)


def mjd_of(value: Any) -> Any:
    """The MJD (UTC) of one time: a datetime (naive ones are UTC), a date, a numpy
    datetime64 or an astropy Time; any other value is returned as it is."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return (value - MJD_EPOCH) / _ONE_DAY
    if isinstance(value, datetime.date):
        return (value - MJD_EPOCH.date()) / _ONE_DAY
    if getattr(getattr(value, "dtype", None), "kind", None) == "M":  # a numpy datetime64 scalar
        return _datetime64_mjds(value.reshape((1,)))[0]
    if hasattr(value, "jd1"):  # an astropy Time scalar
        return float(value.utc.mjd)
    return value


def times_to_mjds(times: Any) -> List[Optional[float]]:
    """The MJDs (UTC) of a whole time column: an astropy Time, a numpy datetime64 array
    or a pandas datetime Series; None where a time is missing (masked, NaT)."""
    if hasattr(times, "jd1"):  # astropy Time
        mjds = times.utc.mjd
        mask = getattr(mjds, "mask", None)
        values = getattr(mjds, "unmasked", mjds).tolist()
        if mask is not None and mask.any():
            values = [None if masked else value for value, masked in zip(values, mask.tolist())]
        return values
    if hasattr(times, "dt"):  # pandas datetimes: to naive UTC numpy datetime64
        if times.dt.tz is not None:
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
        times = times.to_numpy()
    return _datetime64_mjds(times)


def _datetime64_mjds(times: Any) -> List[Optional[float]]:
    import numpy  # a datetime64 array came from numpy or pandas, so numpy is there

    days = (times - numpy.datetime64(MJD_EPOCH_TEXT)) / numpy.timedelta64(1, "D")
    return [None if math.isnan(day) else day for day in days.tolist()]


def mjd_problems(values: List[Any], column: str = "mjd") -> List[Problem]:
    """The plain values of an mjd column that are not MJDs: Julian Dates and dates as text."""
    types = set(map(type, values))
    if types <= {float, int, type(None)}:  # the common case, checked at C speed
        present = [value for value in values if value is not None]
        if not present or not max(present) > LARGEST_MJD:
            return []
    problems = []
    for row, value in enumerate(values):
        number = is_number(value)
        if number and value > LARGEST_JD:
            problems.append(Problem(row, column, "seconds, not MJD", (
                f"is {value!r}, too large for an MJD or a Julian Date (days): if it is a Unix time in "
                f"seconds, the MJD is seconds / 86400 + {MJD_OF_UNIX_EPOCH} "
                f"({value / 86400 + MJD_OF_UNIX_EPOCH!r})")))
        elif number and value > LARGEST_MJD:
            problems.append(Problem(row, column, "Julian Date, not MJD", (
                f"is {value!r}, a Julian Date, not an MJD: the MJD is JD - 2400000.5 "
                f"({value - JD_OF_MJD_EPOCH!r})")))
        elif isinstance(value, str) and _is_date_text(value):
            problems.append(Problem(row, column, "date text, not MJD", (
                f"is the date {value!r}, not an MJD: give the MJD (astropy: Time({value!r}).mjd), "
                "or give the times as datetimes or an astropy Time column, which are converted")))
    return problems


def _is_date_text(value: str) -> bool:
    from dateutil.parser import isoparse

    try:
        isoparse(value)
    except (ValueError, OverflowError):
        return False
    return True


def cells_to_mjds(values: List[Any]) -> List[Any]:
    """``values`` with each datetime, date, datetime64 or Time among them as its MJD."""
    if set(map(type, values)) <= {float, int, type(None), str, bool}:  # the common case, at C speed
        return values
    return [mjd_of(value) for value in values]
