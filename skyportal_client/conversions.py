"""Magnitudes and fluxes, with the arithmetic SkyPortal itself uses.

SkyPortal stores every point as a flux and flux error in µJy on the AB system,
that is on a zero point of 23.9: ``m_AB = -2.5 * log10(flux) + 23.9``.  The
functions here repeat its formulas operation for operation, so that a value
computed here equals, to the last bit, the one the server stores or returns.

Two n-sigma levels meet in a limiting magnitude, and they differ on purpose:

* on upload, a non-detection's ``limiting_mag`` is read as a 3-sigma limit
  (SkyPortal's default ``limiting_mag_nsigma``) and stored as
  ``fluxerr = 10**(-0.4 * (limiting_mag - 23.9)) / 3``;
* on output, SkyPortal reports a 5-sigma limit computed from the flux error,
  ``-2.5 * log10(5 * fluxerr) + 23.9``, unless the upload gave its own
  ``limiting_mag``.

So a limit of 21.2 uploaded without a detection reads back as 21.2 (the
server keeps what the user sent), while ``fluxerr_to_limiting_mag`` of its
stored flux error gives the 5-sigma value, about 20.65.

Example::

    >>> from skyportal_client.conversions import flux_to_mag, limiting_mag_to_fluxerr, mag_to_flux
    >>> mag_to_flux(19.1, 0.05)
    (83.17637711026691, 3.830413720467036)
    >>> flux_to_mag(83.17637711026691, 3.830413720467036)
    (19.1, 0.05)
    >>> limiting_mag_to_fluxerr(21.2)
    4.0075481153913755

These work on the AB system only: other systems need each bandpass's
zero-point flux, which only the server (through sncosmo) knows.  Upload in
any system the server accepts and read back with ``magsys=...`` instead.
"""

import math
from typing import Optional, Tuple

# The zero point of SkyPortal's stored fluxes: µJy on the AB system.
ZERO_POINT = 23.9

# n-sigma of an uploaded limiting magnitude (SkyPortal's config default,
# misc.photometry_detection_threshold_nsigma) and of a reported one (fixed in
# SkyPortal's serializer).
INPUT_LIMIT_NSIGMA = 3.0
OUTPUT_LIMIT_NSIGMA = 5.0

# 2.5 / ln(10), the magnitude error of a relative flux error of 1.  SkyPortal
# divides by it when turning a magerr into a fluxerr and multiplies by it the
# other way round; keeping that order keeps the results bit-identical.
_MAGERR_PER_RELATIVE_FLUXERR = 2.5 / math.log(10)


def mag_to_flux(mag: float, magerr: Optional[float] = None, zp: float = ZERO_POINT) -> Tuple[float, Optional[float]]:
    """The flux and flux error of a detection of magnitude ``mag`` ± ``magerr``.

    The flux is on zero point ``zp`` (23.9 gives µJy for AB magnitudes); the
    flux error is None when ``magerr`` is None.

    >>> mag_to_flux(19.1, 0.05)
    (83.17637711026691, 3.830413720467036)
    """
    flux = 10 ** (-0.4 * (mag - zp))
    if magerr is None:
        return flux, None
    return flux, magerr / _MAGERR_PER_RELATIVE_FLUXERR * flux


def flux_to_mag(flux: Optional[float], fluxerr: Optional[float] = None,
                zp: float = ZERO_POINT) -> Tuple[Optional[float], Optional[float]]:
    """The magnitude and magnitude error of ``flux`` ± ``fluxerr`` on zero point ``zp``.

    Like SkyPortal, gives (None, None) unless the flux is finite and positive,
    and a magnitude error of None unless ``fluxerr`` is positive.

    >>> flux_to_mag(150.0, 5.0)
    (18.459771852360795, 0.03619120682527098)
    >>> flux_to_mag(-2.0, 4.0)
    (None, None)
    """
    if flux is None or not math.isfinite(flux) or flux <= 0:
        return None, None
    mag = -2.5 * math.log10(flux) + zp
    if fluxerr is None or not fluxerr > 0:
        return mag, None
    return mag, _MAGERR_PER_RELATIVE_FLUXERR * (fluxerr / flux)


def limiting_mag_to_fluxerr(limiting_mag: float, nsigma: float = INPUT_LIMIT_NSIGMA, zp: float = ZERO_POINT) -> float:
    """The flux error SkyPortal stores for a non-detection with this ``nsigma`` limit.

    >>> limiting_mag_to_fluxerr(21.2)
    4.0075481153913755
    """
    return (10 ** (-0.4 * (limiting_mag - zp))) / nsigma


def fluxerr_to_limiting_mag(fluxerr: float, nsigma: float = OUTPUT_LIMIT_NSIGMA, zp: float = ZERO_POINT) -> float:
    """The ``nsigma`` limiting magnitude of a flux error; by default the 5-sigma
    value SkyPortal reports for points uploaded without a ``limiting_mag``.

    >>> fluxerr_to_limiting_mag(4.0075481153913755)
    20.64537812595911
    """
    return -2.5 * math.log10(nsigma * fluxerr) + zp
