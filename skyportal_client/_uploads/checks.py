"""Every check SkyPortal makes on uploaded photometry, made on all rows before anything is sent.

SkyPortal refuses a whole request for one bad row and names only the first;
checking here finds every problem in one pass and names each row and column.
The rules of each column are the upload model's (``_models.base``, from
openapi.yaml); added here are what needs the whole table or the server: the
columns a table may have, the instruments and their filters, and points that
repeat within the upload; and the values SkyPortal would store but no observation
has (``PLAUSIBLE_RANGES``): sentinels such as a magnitude of 99, and slips such
as an ra of 400.  Upload and ``SkyPortal.photometry.update`` both check here.

Example::

    >>> from skyportal_client._uploads.checks import check_rows
    >>> columns = {"obj_id": ["ZTF21a", "ZTF21a"], "instrument_id": [1, 1], "mjd": [59400.1, 59400.2],
    ...            "filter": ["ztfg", "ztfg"], "magsys": ["ab", "ab"], "mag": [19.1, None], "magerr": [0.05, None]}
    >>> check_rows(columns, instrument_filters={1: ["ztfg", "ztfr"]})
    Traceback (most recent call last):
    ...
    skyportal_client.exceptions.UploadValidationError: 1 problem in the photometry; nothing was sent:
      row 1, limiting_mag: is null where mag is null: a point without mag needs limiting_mag
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Type

from skyportal_client._models.base import Model
from skyportal_client._models.problems import Problem
from skyportal_client.conversions import (
    INPUT_LIMIT_NSIGMA,
    ZERO_POINT,
    limiting_mag_to_fluxerr,
    mag_to_flux,
)
from skyportal_client.model.photometry_flux_upload import PhotometryFluxUpload
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload
from skyportal_client.exceptions import UploadValidationError

# What a table's columns may be: every per-point field of the upload models.
MAG_COLUMNS = ("mag", "magerr", "limiting_mag", "limiting_mag_nsigma", "magref", "e_magref")
FLUX_COLUMNS = ("flux", "fluxerr", "zp", "ref_flux", "ref_fluxerr", "ref_zp")
MODELS = {"mag": PhotometryMagUpload, "flux": PhotometryFluxUpload}
# The per-point objects a table may hold besides its columns of values: one cell per row.
OBJECT_COLUMNS = ("altdata",)
# What to do instead of giving the upload models' other fields, settings of the whole upload, as columns.
GROUP_IDS_ADVICE = ("is a setting of the whole upload, not a column: pass group_ids= (groups= to "
                    "SkyPortal.photometry.upload, --group-ids on the command line)")
UNSENT_SETTING_ADVICE = ("is a setting of the whole upload, which the upload helpers do not send: send it with "
                         "PhotometryApi.api_photometry_post")
# Where a required column's values can come from instead.
MISSING_COLUMN_ADVICE = {
    "obj_id": "pass obj_id= (--obj-id on the command line), or add an obj_id column",
    "instrument_id": ("pass instrument_id= (instrument= to SkyPortal.photometry.upload, --instrument-id on the "
                      "command line), or add an instrument_id column"),
}
MAGNITUDE_SYSTEMS = PhotometryMagUpload.fields["magsys"].enum  # as openapi.yaml lists them


@dataclasses.dataclass(frozen=True)
class PlausibleRange:
    """The values a column's observations take: from ``low`` to ``high`` (each end
    included unless it is open), and what to do about a value outside."""

    low: float
    high: float
    advice: str
    low_open: bool = False
    high_open: bool = False

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def problem(self, value: float) -> str:
        low, high = f"{self.low:g}", f"{self.high:.6g}"
        interval = f"{'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"
        return f"is {value!r}, outside {interval}: {self.advice}"


# Beyond these no object is seen: the Sun is magnitude -26.7, the deepest images reach about 32.
MAGNITUDE_RANGE = (-30.0, 40.0)
# An mjd later than this many days after today is a slip (or a sentinel), not an observation.
FUTURE_DAYS = 366
NON_DETECTION_ADVICE = ("a magnitude such as 99 or -99 marks no measurement: a non-detection goes in "
                        "limiting_mag, with mag and magerr null")


def plausible_ranges() -> Dict[str, PlausibleRange]:
    """The one table of plausible values, by column; the latest mjd is a year from today."""
    today = (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
             - datetime.datetime(1858, 11, 17)) / datetime.timedelta(days=1)
    magnitudes = {name: PlausibleRange(*MAGNITUDE_RANGE, NON_DETECTION_ADVICE if name == "mag" else (
        f"{name} is a magnitude: a value such as 99 or -99 marks no value, which is None"))
        for name in ("mag", "limiting_mag", "magref")}
    return {
        **magnitudes,
        "ra": PlausibleRange(0.0, 360.0, "ra is in degrees, from 0 up to but not 360 (take ra % 360 for one "
                             "that wrapped; an ra in hours is 15 times smaller)", high_open=True),
        "dec": PlausibleRange(-90.0, 90.0, "dec is in degrees, from -90 to 90 (did ra and dec change places?)"),
        "mjd": PlausibleRange(0.0, math.floor(today) + FUTURE_DAYS, (
            f"an MJD counts days from 1858-11-17 (today is {math.floor(today)}), so an observation's is above 0 "
            f"and no later than {FUTURE_DAYS} days from today: check the time column's origin and unit"),
            low_open=True),
    }


def columns_of(space: str) -> List[str]:
    """The columns a table of ``space`` ("mag" or "flux") may have: the model's per-point fields."""
    return [name for name, field in MODELS[space].fields.items() if field.column]


def photometry_space(columns: Mapping[str, object]) -> str:
    """"mag" or "flux": which kind of upload the column names make.

    Raises UploadValidationError when they make neither or both."""
    mag = [name for name in MAG_COLUMNS if name in columns]
    flux = [name for name in FLUX_COLUMNS if name in columns]
    if mag and flux:
        raise UploadValidationError([Problem(None, ", ".join(mag + flux), "mixed spaces", (
            "magnitude and flux columns are mixed; one upload is all magnitudes (mag, magerr, "
            "limiting_mag) or all fluxes (flux, fluxerr, zp): drop one set"))])
    if not mag and not flux:
        near = [f"{name!r} is {spelled!r}" for name in columns if (spelled := _spelled_alike(name))]
        hint = f" (the names are lower case: {', '.join(near)})" if near else ""
        one_cell = [name for name in columns if isinstance(name, str) and (";" in name or "\t" in name)]
        if one_cell:
            hint = (f" (the column {one_cell[0][:60]!r} holds several names: are the cells separated by ';' or "
                    "tabs? a .csv file's are separated by commas)")
        raise UploadValidationError([Problem(None, "mag/flux", "no photometry", (
            f"no photometry: give mag, magerr and limiting_mag columns, or flux, fluxerr and zp{hint}"))])
    return "mag" if mag else "flux"


def check_rows(columns: Dict[str, list], instrument_filters: Mapping[int, Optional[Sequence[str]]],
               earlier: Sequence[Problem] = ()) -> str:
    """Raise UploadValidationError listing every problem in ``columns``, or return the space ("mag"/"flux").

    ``columns`` maps each column to its list of plain values (see ``_uploads.normalise``),
    with obj_id, instrument_id and magsys already filled in.  ``instrument_filters``
    maps each instrument id to the filters it accepts, or to None when any filter goes
    (instruments that are not imagers); an id missing from it is an unknown instrument.
    ``earlier``: the problems an earlier step found; they are reported with these, and
    a cell they name is not reported again.  On success the columns hold the values to
    send (numpy scalars made plain).
    """
    problems = list(earlier)
    try:
        space = photometry_space(columns)
    except UploadValidationError as error:
        raise UploadValidationError(problems + list(error.problems)) from None
    model = MODELS[space]
    known = columns_of(space) + list(OBJECT_COLUMNS)
    structure = [Problem(None, name, "unknown column", _not_a_column(name, model))
                 for name in columns if name not in known]
    structure += [Problem(None, name, "missing column", "required column is missing"
                          + (f": {MISSING_COLUMN_ADVICE[name]}" if name in MISSING_COLUMN_ADVICE else ""))
                  for name, field in model.fields.items() if field.required and name not in columns]
    if structure:
        raise UploadValidationError(problems + structure)
    checked, model_problems = model.check_values(columns)
    problems += _not_yet_reported(model_problems, problems)
    bad_cells = {(problem.row, problem.column) for problem in problems}
    problems += _implausible_values(checked, bad_cells)
    problems += _instrument_problems(checked, instrument_filters, bad_cells)
    bad_rows = {problem.row for problem in problems}
    problems += _repeated_points(checked, space, bad_rows)
    if problems:
        problems.sort(key=lambda problem: (problem.row is not None, problem.row or 0))
        raise UploadValidationError(problems)
    columns.update(checked)
    return space


def _not_a_column(name: str, model: Type[Model]) -> str:
    """Why ``name`` cannot be a column of an upload, and what to do instead."""
    if name == "group_ids":
        return GROUP_IDS_ADVICE
    if name in model.fields:  # a field of the whole upload (stream_ids, extinction_corrected)
        return UNSENT_SETTING_ADVICE
    spelled = _spelled_alike(name)
    if spelled:
        return f"SkyPortal does not accept this column: did you mean {spelled}? Column names are lower case"
    return "SkyPortal does not accept this column; drop or rename it"


def _spelled_alike(name: Any) -> Optional[str]:
    """The column of either space that ``name`` is in other case or with spaces around it, if any."""
    if not isinstance(name, str):
        return None
    folded = name.strip().lower()
    return next((column for column in (*columns_of("mag"), *columns_of("flux"), *OBJECT_COLUMNS)
                 if column == folded and column != name), None)


def _not_yet_reported(problems: Sequence[Problem], reported: Sequence[Problem]) -> List[Problem]:
    """The ``problems`` at cells (row and column) that ``reported`` does not name already."""
    cells = {(problem.row, problem.column) for problem in reported}
    return [problem for problem in problems if (problem.row, problem.column) not in cells]


def _implausible_values(columns: Mapping[str, list], bad_cells: set) -> List[Problem]:
    """The values outside their column's plausible range, in cells without a problem already."""
    problems = []
    for name, allowed in plausible_ranges().items():
        values = columns.get(name)
        if values is None:
            continue
        numbers = [value for value in values if type(value) in (int, float) and math.isfinite(value)]
        if not numbers or (allowed.holds(min(numbers)) and allowed.holds(max(numbers))):
            continue  # the common case, at C speed
        problems += [Problem(row, name, "implausible value", allowed.problem(value))
                     for row, value in enumerate(values)
                     if type(value) in (int, float) and math.isfinite(value) and not allowed.holds(value)
                     and (row, name) not in bad_cells and (None, name) not in bad_cells]
    return problems


def _instrument_problems(columns: Mapping[str, list], instrument_filters: Mapping[int, Optional[Sequence[str]]],
                         bad_cells: set) -> List[Problem]:
    """Unknown instruments, and filters the instrument does not have, in the rows where
    neither the instrument_id nor the filter has a problem already."""
    problems = []
    for row, (instrument_id, band) in enumerate(zip(columns["instrument_id"], columns["filter"])):
        if (row, "instrument_id") in bad_cells or (row, "filter") in bad_cells or not isinstance(instrument_id, int):
            continue
        if instrument_id not in instrument_filters:
            problems.append(Problem(row, "instrument_id", "unknown instrument",
                                    f"there is no instrument {instrument_id} on the server"))
            continue
        accepted = instrument_filters[instrument_id]
        if accepted is not None and band not in accepted:
            folded = band.strip().lower() if isinstance(band, str) else None
            meant = next((name for name in accepted if name.lower() == folded), None)
            hint = f": did you mean {meant!r}? Filter names are lower case, without spaces" if meant else ""
            problems.append(Problem(row, "filter", "filter not on the instrument", (
                f"instrument {instrument_id} has no filter {band!r} (it has {', '.join(accepted)}){hint}")))
    return problems


def _repeated_points(columns: Mapping[str, list], space: str, bad_rows: set) -> List[Problem]:
    """Rows that are the same point as an earlier row, as SkyPortal compares points."""
    problems = []
    first_row_of_point: Dict[tuple, int] = {}
    names = list(columns)
    for row, values in enumerate(zip(*columns.values())):
        if row in bad_rows:
            continue
        key = _deduplication_key(dict(zip(names, values)), space)
        if key in first_row_of_point:
            problems.append(Problem(row, "mjd", "repeated point", (
                f"the same point as row {first_row_of_point[key]} (SkyPortal keeps one point per object, "
                "instrument, origin, mjd, flux and flux error); remove one")))
        first_row_of_point.setdefault(key, row)
    return problems


def _deduplication_key(values: Mapping[str, Any], space: str) -> tuple:
    """What SkyPortal compares to find the same point twice: the object, instrument,
    origin, mjd and the flux and flux error it would store.

    The stored flux is known here only for AB magnitudes on zero point 23.9; in other
    systems the band enters the conversion, so the filter and system join the key.
    """
    magsys = values["magsys"]
    flux: Optional[float]
    fluxerr: Optional[float]
    if space == "mag":
        if values.get("mag") is None:
            nsigma = values.get("limiting_mag_nsigma") or INPUT_LIMIT_NSIGMA
            flux, fluxerr = None, limiting_mag_to_fluxerr(values["limiting_mag"], nsigma)
        else:
            flux, fluxerr = mag_to_flux(values["mag"], values["magerr"])
        zp = ZERO_POINT
    else:
        flux, fluxerr, zp = values["flux"], values["fluxerr"], values["zp"]
    band = None if magsys == "ab" and zp == ZERO_POINT else (values["filter"], magsys, zp)
    origin = values.get("origin") or "None"  # SkyPortal stores a missing origin as the text "None"
    return (values["obj_id"], values["instrument_id"], origin, values["mjd"], flux, fluxerr, band)
