"""Positional astronomy the embedded server needs, in plain floating point.

SkyPortal computes these with astropy, astropy-healpix and astroplan; the
formulas here give the same numbers for the HEALPix index and the galactic
coordinates, and astronomical twilight to about a minute (a low-precision
solar ephemeris instead of astroplan's).
"""

import datetime
import math

Matrix = tuple[tuple[float, ...], ...]

# SkyPortal's Obj.healpix: a nested HEALPix index at nside 2**29.
HEALPIX_NSIDE = 2 ** 29

# The equatorial-to-galactic matrix SkyPortal's source list uses (radec2lb).
SOURCE_LIST_GALACTIC_MATRIX: Matrix = (
    (-0.054875539, -0.873437105, -0.483834992),
    (+0.494109454, -0.444829594, +0.746982249),
    (-0.867666136, -0.198076390, +0.455983795),
)

# astropy's FK5 (J2000) to galactic rotation: the north galactic pole and the
# galactic longitude of the celestial pole, in degrees.
GALACTIC_POLE_RA = 192.8594812065348
GALACTIC_POLE_DEC = 27.12825118085622
CELESTIAL_POLE_GALACTIC_LON = 122.9319185680026
# astropy's ICRS to FK5 frame bias (USNO circular 179), in degrees.
FRAME_BIAS_ETA0 = -19.9 / 3_600_000
FRAME_BIAS_XI0 = 9.1 / 3_600_000
FRAME_BIAS_DA0 = -22.9 / 3_600_000

ASTRONOMICAL_TWILIGHT_ALTITUDE = -18.0
J2000_JD = 2451545.0
UNIX_EPOCH_JD = 2440587.5


def _rotation(angle: float, axis: str) -> Matrix:
    """astropy's rotation_matrix: rotates the frame by ``angle`` degrees."""
    cosine, sine = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    if axis == "x":
        return ((1, 0, 0), (0, cosine, sine), (0, -sine, cosine))
    if axis == "y":
        return ((cosine, 0, -sine), (0, 1, 0), (sine, 0, cosine))
    return ((cosine, sine, 0), (-sine, cosine, 0), (0, 0, 1))


def _product(*matrices: Matrix) -> Matrix:
    result = matrices[0]
    for matrix in matrices[1:]:
        result = tuple(tuple(sum(result[row][k] * matrix[k][column] for k in range(3))
                             for column in range(3)) for row in range(3))
    return result


ICRS_GALACTIC_MATRIX = _product(
    _rotation(180 - CELESTIAL_POLE_GALACTIC_LON, "z"), _rotation(90 - GALACTIC_POLE_DEC, "y"),
    _rotation(GALACTIC_POLE_RA, "z"),
    _rotation(-FRAME_BIAS_ETA0, "x"), _rotation(FRAME_BIAS_XI0, "y"), _rotation(FRAME_BIAS_DA0, "z"),
)


def _unit_vector(ra: float, dec: float) -> tuple[float, float, float]:
    ra, dec = math.radians(ra), math.radians(dec)
    return (math.cos(ra) * math.cos(dec), math.sin(ra) * math.cos(dec), math.sin(dec))


def _rotated_lon_lat(matrix: Matrix, ra: float, dec: float) -> tuple[float, float]:
    vector = _unit_vector(ra, dec)
    x, y, z = (sum(row[k] * vector[k] for k in range(3)) for row in matrix)
    return math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))


def galactic(ra: float, dec: float) -> tuple[float, float]:
    """(l, b) in degrees as astropy's SkyCoord gives them (l in [0, 360))."""
    lon, lat = _rotated_lon_lat(ICRS_GALACTIC_MATRIX, ra, dec)
    return lon % 360.0, lat


def galactic_for_source_list(ra: float, dec: float) -> tuple[float, float]:
    """(l, b) as SkyPortal's source list computes them (l in (-180, 180])."""
    return _rotated_lon_lat(SOURCE_LIST_GALACTIC_MATRIX, ra, dec)


def healpix_index(ra: float, dec: float, nside: int = HEALPIX_NSIDE) -> int:
    """The nested HEALPix pixel holding (ra, dec), degrees (Górski et al. 2005)."""
    z = math.sin(math.radians(dec))
    tt = (math.radians(ra) % (2 * math.pi)) / (math.pi / 2)
    if abs(z) <= 2 / 3:
        ascending, descending = nside * (0.5 + tt - 0.75 * z), nside * (0.5 + tt + 0.75 * z)
        jp, jm = int(ascending), int(descending)
        face_p, face_m = jp // nside, jm // nside
        face = face_p | 4 if face_p == face_m else face_p if face_p < face_m else face_m + 8
        ix, iy = jm & (nside - 1), nside - (jp & (nside - 1)) - 1
    else:
        column = min(3, int(tt))
        within = tt - column
        scale = nside * math.sqrt(3 * (1 - abs(z)))
        jp, jm = min(int(within * scale), nside - 1), min(int((1 - within) * scale), nside - 1)
        face, ix, iy = (column, nside - jm - 1, nside - jp - 1) if z >= 0 else (column + 8, jp, jm)
    interleaved = 0
    for bit in range(nside.bit_length()):
        interleaved |= ((ix >> bit) & 1) << (2 * bit) | ((iy >> bit) & 1) << (2 * bit + 1)
    return face * nside * nside + interleaved


def separation(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance in degrees (the Vincenty formula SkyPortal uses)."""
    ra1, dec1, ra2, dec2 = (value * math.pi / 180 for value in (ra1, dec1, ra2, dec2))
    delta_ra = abs(ra2 - ra1)
    distance = math.atan2(
        math.sqrt((math.cos(dec2) * math.sin(delta_ra)) ** 2
                  + (math.cos(dec1) * math.sin(dec2) - math.sin(dec1) * math.cos(dec2) * math.cos(delta_ra)) ** 2),
        math.sin(dec1) * math.sin(dec2) + math.cos(dec1) * math.cos(dec2) * math.cos(delta_ra))
    return distance * 180.0 / math.pi


def _julian_date(moment: datetime.datetime) -> float:
    return UNIX_EPOCH_JD + moment.replace(tzinfo=datetime.timezone.utc).timestamp() / 86400


def sun_altitude(moment: datetime.datetime, lat: float, lon: float) -> float:
    """The Sun's geometric altitude in degrees at a naive UTC datetime
    (the Astronomical Almanac's low-precision formulas, ~0.01 degree)."""
    days = _julian_date(moment) - J2000_JD
    mean_lon = math.radians((280.460 + 0.9856474 * days) % 360)
    anomaly = math.radians((357.528 + 0.9856003 * days) % 360)
    ecliptic_lon = mean_lon + math.radians(1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly))
    obliquity = math.radians(23.439 - 0.0000004 * days)
    ra = math.atan2(math.cos(obliquity) * math.sin(ecliptic_lon), math.cos(ecliptic_lon))
    dec = math.asin(math.sin(obliquity) * math.sin(ecliptic_lon))
    sidereal = math.radians((280.46061837 + 360.98564736629 * days + lon) % 360)
    hour_angle = sidereal - ra
    lat = math.radians(lat)
    return math.degrees(math.asin(math.sin(lat) * math.sin(dec)
                                  + math.cos(lat) * math.cos(dec) * math.cos(hour_angle)))


def next_crossing(start: datetime.datetime, lat: float, lon: float, altitude: float, rising: bool,
                  horizon: datetime.timedelta = datetime.timedelta(days=2)) -> datetime.datetime | None:
    """The first moment after ``start`` at which the Sun passes ``altitude``
    going up (``rising``) or down, to the millisecond; None if it does not
    within ``horizon`` (polar day or night)."""
    step = datetime.timedelta(minutes=10)
    before, before_altitude = start, sun_altitude(start, lat, lon)
    while before - start < horizon:
        after = before + step
        after_altitude = sun_altitude(after, lat, lon)
        if (before_altitude < altitude <= after_altitude) if rising else (before_altitude > altitude >= after_altitude):
            while after - before > datetime.timedelta(milliseconds=1):
                middle = before + (after - before) / 2
                if (sun_altitude(middle, lat, lon) < altitude) == rising:
                    before = middle
                else:
                    after = middle
            return after
        before, before_altitude = after, after_altitude
    return None


def astropy_iso(moment: datetime.datetime) -> str:
    """A datetime as astropy's Time.iso writes it: "2026-12-01 13:05:32.003"."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
