"""Photometry arithmetic, the same formulas SkyPortal uses (reference §2).

Points are stored as flux and fluxerr in µJy on the AB system, zero point
23.9.  Magnitude systems other than AB need sncosmo's bandpass zero-point
fluxes, which cannot be computed offline; the only ratios known here are the
ones the observed exchanges pin down (see ``ZPBANDFLUX_RATIOS``).
"""

import math
from typing import TypeGuard

PHOT_ZP = 23.9
PHOT_SYS = "ab"

# 2.5 / ln(10): turns a relative flux error into a magnitude error.  SkyPortal
# divides by this constant (rather than multiplying by its inverse); doing the
# same keeps the stored floats bit-identical to the real server's.
MAGERR_PER_RELATIVE_FLUXERR = 2.5 / math.log(10)

# Output limiting magnitudes are always 5-sigma, whatever the upload used.
OUTPUT_LIMIT_NSIGMA = 5.0
# Default n-sigma of an uploaded limiting magnitude (config
# misc.photometry_detection_threshold_nsigma).
DEFAULT_INPUT_NSIGMA = 3.0

ALLOWED_MAGSYSTEMS = ("jla1", "ab", "vega", "bd17", "csp", "ab-b12")
MAGSYSTEM_ALIASES = {"vega2": "jla1", "ab_b12": "ab-b12", "vegahst": "vega"}
# The order sncosmo lists its registry in; only the first two are observed.
REGISTERED_MAGSYSTEM_NAMES = ("csp", "vega", "vega2", "vegahst", "ab", "ab-b12", "ab_b12", "jla1", "bd17")

# zpbandflux(system, band) / zpbandflux("ab", band).  The vega/ztfg value is
# the ratio that reproduces the observed exchange (vega 18.7 reads back as AB
# 18.604219370513576 and a vega limiting mag of 21.0 as AB 20.904219370513577).
ZPBANDFLUX_RATIOS = {
    ("vega", "ztfg"): 1.092225349300812,
}


class MagsysError(Exception):
    """A magnitude system or (system, band) pair that cannot be used."""


def resolve_magsys(name: object) -> str:
    """The canonical name of a magnitude system, as sncosmo's registry would
    resolve it; unknown names raise MagsysError with sncosmo's wording."""
    if not isinstance(name, str):
        raise MagsysError(f"{name!r} not in registry.")
    lowered = name.lower()
    canonical = MAGSYSTEM_ALIASES.get(lowered, lowered)
    if canonical not in ALLOWED_MAGSYSTEMS:
        registered = ", ".join(repr(known) for known in REGISTERED_MAGSYSTEM_NAMES)
        raise MagsysError(f"{name!r} not in registry. Registered names: {registered}")
    return canonical


def zpbandflux_ratio(magsys: str, band: str) -> float:
    """zpbandflux(magsys, band) / zpbandflux(ab, band)."""
    canonical = resolve_magsys(magsys)
    if canonical == PHOT_SYS:
        return 1.0
    try:
        return ZPBANDFLUX_RATIOS[(canonical, band)]
    except KeyError:
        raise MagsysError(
            f"the embedded test server has no zero-point flux for magnitude "
            f"system {canonical!r} in band {band!r} (only AB, and "
            f"{sorted(ZPBANDFLUX_RATIOS)} are known offline)"
        ) from None


def magsys_offset(magsys: str, band: str) -> float:
    """Δ(system, band) = 2.5·log10(zpbf_system / zpbf_AB); 0 for AB."""
    ratio = zpbandflux_ratio(magsys, band)
    return 0.0 if ratio == 1.0 else 2.5 * math.log10(ratio)


def mag_to_flux(mag: float, magerr: float) -> tuple[float, float]:
    """Flux and flux error (zero point 23.9, same system) of a detection."""
    flux = 10 ** (-0.4 * (mag - PHOT_ZP))
    return flux, magerr / MAGERR_PER_RELATIVE_FLUXERR * flux


def limit_to_fluxerr(limiting_mag: float, nsigma: float) -> float:
    """The 1-sigma flux error implied by an n-sigma limiting magnitude."""
    return (10 ** (-0.4 * (limiting_mag - PHOT_ZP))) / nsigma


def to_stored_flux(flux: float, fluxerr: float, zp: float, magsys: str, band: str) -> tuple[float, float]:
    """Rescale flux and error given on zero point ``zp`` in ``magsys`` to µJy
    AB (sncosmo's ``normalized(zp=23.9, zpsys="ab")``)."""
    factor = 10 ** (0.4 * (PHOT_ZP - zp)) * zpbandflux_ratio(magsys, band)
    return flux * factor, fluxerr * factor


def is_finite(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value)


def flux_to_mag(flux: float | None, offset: float) -> float | None:
    """Magnitude of a stored flux, or None unless the flux is finite and > 0."""
    if is_finite(flux) and flux > 0:
        return -2.5 * math.log10(flux) + PHOT_ZP + offset
    return None


def flux_to_magerr(flux: float | None, fluxerr: float) -> float | None:
    # Relative error first, then the constant: this order makes uploaded
    # magerrs read back unchanged (0.06 would come back as 0.060000000000000005).
    if is_finite(flux) and flux > 0 and fluxerr > 0:
        return MAGERR_PER_RELATIVE_FLUXERR * (fluxerr / flux)
    return None


def signal_to_noise(flux: float | None, fluxerr: float | None) -> float | None:
    """SkyPortal's snr: flux / fluxerr unless either is NaN or the error is 0."""
    if flux is not None and fluxerr is not None and not math.isnan(flux) and not math.isnan(fluxerr) \
            and fluxerr != 0:
        return flux / fluxerr
    return None


def _numpy_log10(value: float) -> float:
    """np.log10 without its warnings: -inf at 0, NaN below."""
    if math.isnan(value) or value < 0:
        return math.nan
    if value == 0:
        return -math.inf
    return math.log10(value)


def output_limiting_mag(fluxerr: float, offset: float) -> float:
    """The hard-coded 5-sigma limiting magnitude SkyPortal reports (not
    finite, so null in JSON, for a zero, negative or infinite error)."""
    return -2.5 * _numpy_log10(OUTPUT_LIMIT_NSIGMA * fluxerr) + PHOT_ZP + offset
