"""astropy units on upload columns: converted to the plain numbers SkyPortal stores, or refused.

SkyPortal's numbers have fixed meanings.  ``mag``, ``magerr``, ``limiting_mag``,
``magref``, ``e_magref``, ``zp`` and ``ref_zp`` are magnitudes in the upload's
``magsys``; ``flux`` and ``fluxerr`` are fluxes on the zero point ``zp`` (so that
mag = -2.5 log10(flux) + zp), ``ref_flux`` and ``ref_fluxerr`` on ``ref_zp``;
``ra`` and ``dec`` are degrees, ``ra_unc`` and ``dec_unc`` arcseconds, ``mjd`` days.

A column with a unit is converted to that meaning:

* a flux in any spectral flux density unit (Jy, mJy, µJy, nJy, erg/s/cm²/Hz, W/m²/Hz)
  is an AB flux density F.  AB magnitude 23.9 is exactly 1 µJy, so its flux on zero
  point zp is F / µJy × 10**(0.4 (zp − 23.9)): F in µJy itself on zero point 23.9.
  Without a ``zp`` column (``ref_zp`` for the reference fluxes) zero point 23.9 is
  added.  Such a flux needs magsys "ab", and a flux and its error take units together;
* a flux in a logarithmic unit of a spectral flux density (astropy's ``u.ABmag``,
  ``u.mag(u.uJy)``, ``u.dex(u.uJy)``, ``u.dB(u.mJy)``) is that flux density, F = 10**(-0.4 m),
  10**d or 10**(dB / 10) of the unit inside, and converted as above; a logarithmic unit
  of anything else (``u.STmag``, a flux per wavelength; ``u.mag``, a bare magnitude) is
  refused;
* magnitudes in ``u.mag`` are taken as they are, in ``u.ABmag`` when magsys is "ab";
  magnitudes in another logarithmic unit (``u.STmag``, ``u.mag(u.uJy)``) are refused
  with the conversion to ``u.ABmag``;
* angles in any angle unit become degrees (ra, dec) or arcseconds (ra_unc, dec_unc);
  an mjd with a unit must be in days.

Anything else is refused: a flux per wavelength (which needs the band's wavelength to
become a flux per frequency), another magnitude system's unit, a unit on a column
that takes none.  Conversion factors that are round numbers (1000 for mJy to µJy,
15 for hour angles to degrees) are applied as those exact numbers, not as astropy's
float of them, so that a value converts with a single rounding.
"""

import math
from typing import Any, Callable, Dict, List

from skyportal_client._light_curves.tables import require
from skyportal_client._models.problems import Problem
from skyportal_client._util.checks import is_number

# AB magnitude 23.9 is 1 µJy exactly: -2.5 log10(1e-29 erg/s/cm²/Hz) - 48.6 = 23.9.
MICROJANSKY_ZERO_POINT = 23.9

# Each flux column and the zero point it is on.
FLUX_ZERO_POINTS = {"flux": "zp", "fluxerr": "zp", "ref_flux": "ref_zp", "ref_fluxerr": "ref_zp"}
# A flux and its error take units together.
FLUX_PAIRS = (("flux", "fluxerr"), ("ref_flux", "ref_fluxerr"))
# Magnitudes in magsys (ABmag only with magsys "ab"), and magnitude differences (any magnitude unit).
MAGNITUDES = ("mag", "limiting_mag", "magref", "zp", "ref_zp")
MAGNITUDE_ERRORS = ("magerr", "e_magref")
ANGLES = {"ra": "deg", "dec": "deg", "ra_unc": "arcsec", "dec_unc": "arcsec"}


def convert_units(columns: Dict[str, List[Any]], units: Dict[str, Any]) -> List[Problem]:
    """Convert, in place, each column of ``columns`` that ``units`` gives a unit; add
    the zero point 23.9 column a flux with a unit needs when there is none.  Returns the
    problems; a refused column keeps its values.

    ``columns`` holds every column's plain values, ``magsys`` among them (lower case).
    """
    units = {name: unit for name, unit in units.items() if unit is not None and not _is_dimensionless(unit)}
    if not units:
        return []
    u = require("astropy.units")
    problems = _unpaired_fluxes(units, columns)
    row_count = len(columns["magsys"])
    for name in FLUX_ZERO_POINTS.values():
        if name not in columns and any(units.get(flux) is not None for flux, zp in FLUX_ZERO_POINTS.items()
                                       if zp == name):
            columns[name] = [MICROJANSKY_ZERO_POINT] * row_count
    for name, unit in units.items():
        if name in FLUX_ZERO_POINTS:
            problems += _convert_flux(name, columns, unit, u)
        elif name in MAGNITUDES or name in MAGNITUDE_ERRORS:
            problems += _check_magnitudes(name, columns, unit, u)
        elif name in ANGLES:
            problems += _convert_angles(name, columns, unit, u)
        elif name == "mjd":
            if unit != u.day:
                problems.append(Problem(None, name, "wrong unit", (
                    f"is in {unit}; an MJD is a date in days: give it in u.day, or as an astropy Time column")))
        else:
            problems.append(Problem(None, name, "unit not taken", (
                f"has the unit {unit}, but this column takes no unit: give plain values")))
    return problems


def _is_dimensionless(unit: Any) -> bool:
    return str(unit) == ""


def _unpaired_fluxes(units: Dict[str, Any], columns: Dict[str, List[Any]]) -> List[Problem]:
    """A flux with a unit beside its error without one, or the other way round."""
    problems = []
    for flux, error in FLUX_PAIRS:
        given = [name for name in (flux, error) if name in units]
        other = error if given == [flux] else flux
        if len(given) == 1 and other in columns:
            problems.append(Problem(None, other, "unit missing", (
                f"has no unit, but {given[0]} is in {units[given[0]]}: give both with a unit, or neither")))
    return problems


def _convert_flux(name: str, columns: Dict[str, List[Any]], unit: Any, u: Any) -> List[Problem]:
    logarithmic = isinstance(unit, u.FunctionUnitBase)
    physical = unit.physical_unit if logarithmic else unit
    if physical.physical_type != "spectral flux density" or unit == u.mag or unit == u.dex:
        return [_not_a_flux_density(name, unit, physical, u)]
    problems = _rows_not_ab(name, columns["magsys"], "a flux density with a unit is an AB flux")
    to_microjansky = _exact_converter(physical.to(u.uJy))
    if logarithmic:
        to_microjansky = _from_logarithm(unit, to_microjansky, u)
    zero_points = columns[FLUX_ZERO_POINTS[name]]
    values = columns[name]
    for row, (value, zp) in enumerate(zip(values, zero_points)):
        if not is_number(value):
            continue  # a null, or a value the checks refuse
        microjansky = to_microjansky(value)
        if is_number(zp) and zp != MICROJANSKY_ZERO_POINT:
            microjansky *= 10 ** (0.4 * (zp - MICROJANSKY_ZERO_POINT))
        values[row] = microjansky
    return problems


def _not_a_flux_density(name: str, unit: Any, physical: Any, u: Any) -> Problem:
    """Why a flux column in ``unit`` (``physical`` inside a logarithmic unit) cannot be stored."""
    if physical.physical_type == "spectral flux density wav":
        linear = "flux.physical" if physical is not unit else "flux"
        return Problem(None, name, "wrong unit", (
            f"is in {unit}, a flux per unit wavelength: convert it to a flux per frequency first "
            f"(astropy: {linear}.to(u.uJy, u.spectral_density(wavelength)))"))
    if unit == u.mag or unit == u.dex or isinstance(unit, u.FunctionUnitBase):
        return Problem(None, name, "wrong unit", (
            f"is in {unit}, a logarithm of no flux density: give AB magnitudes in the mag column "
            "(in u.ABmag or u.mag), or fluxes in Jy, mJy, uJy or another spectral flux density unit"))
    return Problem(None, name, "wrong unit", (
        f"is in {unit}, which is not a flux density: give it in Jy, mJy, uJy or another spectral "
        "flux density unit, or without a unit on the zero point zp"))


def _from_logarithm(unit: Any, to_microjansky: Callable[[float], float], u: Any) -> Callable[[float], float]:
    """The function giving the µJy of a value in the logarithmic ``unit`` (mag, dex or dB of a
    flux density), computed as one power of ten so that it rounds once or twice, not more."""
    if unit == u.ABmag:  # AB magnitude 23.9 is 1 µJy exactly: F = 10**(0.4 (23.9 - m)) µJy
        return lambda value: 10 ** (0.4 * (MICROJANSKY_ZERO_POINT - value))
    # One step of the logarithm, in dex: a magnitude is -0.4 dex, a decibel 0.1 dex.
    dex_per_step = unit.function_unit.to(u.dex)
    dex_per_step = float(f"{dex_per_step:.12g}")
    return lambda value: to_microjansky(10 ** (dex_per_step * value))


def _check_magnitudes(name: str, columns: Dict[str, List[Any]], unit: Any, u: Any) -> List[Problem]:
    if unit == u.mag:
        return []
    if unit == u.ABmag:
        if name in MAGNITUDE_ERRORS:
            return []  # a difference of AB magnitudes is a difference in any system
        return _rows_not_ab(name, columns["magsys"], "values in u.ABmag are AB magnitudes")
    logarithmic = isinstance(unit, u.FunctionUnitBase)
    if logarithmic and unit.physical_unit.physical_type == "spectral flux density":
        fix = ": convert them to AB magnitudes first (astropy: values.to(u.ABmag))"
    elif logarithmic and unit.physical_unit.physical_type == "spectral flux density wav":
        fix = (": these are of a flux per wavelength; convert them to AB magnitudes with the band's "
               "wavelength (astropy: values.physical.to(u.ABmag, u.spectral_density(wavelength)))")
    elif unit.physical_type == "spectral flux density":
        fix = ": put fluxes in flux and fluxerr instead"
    else:
        fix = ""
    return [Problem(None, name, "wrong unit", (
        f"is in {unit}; magnitudes are given in u.mag (in the upload's magsys) or u.ABmag (with magsys ab)"
        + fix))]


def _convert_angles(name: str, columns: Dict[str, List[Any]], unit: Any, u: Any) -> List[Problem]:
    target = u.Unit(ANGLES[name])
    if unit.physical_type != "angle":
        return [Problem(None, name, "wrong unit", f"is in {unit}, which is not an angle: give it in {target}")]
    convert = _exact_converter(unit.to(target))
    values = columns[name]
    for row, value in enumerate(values):
        if is_number(value):
            values[row] = convert(value)
    return []


def _rows_not_ab(name: str, magsys: List[Any], why: str) -> List[Problem]:
    return [Problem(row, name, "unit needs magsys ab", f"{why}, but this row's magsys is {system!r}: use magsys ab")
            for row, system in enumerate(magsys) if system != "ab"]


def _exact_converter(scale: float) -> Callable[[float], float]:
    """The function that multiplies a value by ``scale`` with a single rounding.

    astropy gives round factors as floats near them (1e32 as 9.999999999999999e+31, 15 as
    14.999999999999998): those are applied as the round number, and a negative power of
    ten (0.001) as a division by its inverse (1000), which rounds once where a
    multiplication by 0.001, itself rounded, may not.
    """
    rounded = float(f"{scale:.12g}")
    if not math.isclose(scale, rounded, rel_tol=1e-14):
        return lambda value: value * scale  # no round number: 57.29577951308232 degrees per radian
    inverse = 1 / rounded
    if rounded < 1 and inverse == 10.0 ** round(math.log10(inverse)):
        return lambda value: value / inverse
    return lambda value: value * rounded
