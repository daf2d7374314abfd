"""Cutout images as the PNG files SkyPortal takes for thumbnails: PNG bytes as they are, a 2-D
array or a FITS cutout (gzipped or not) drawn in gray.

The stretch, the same for every image: astropy's ZScaleInterval picks the range of values
(as ds9's "zscale" does, so that faint structure shows and bright stars do not wash it out),
values outside it are clipped, and LinearStretch maps the range to 0-255 gray; pixels that are
not finite (NaN, inf) are black. Rows are written top first from the array's last row, so that
a FITS image shows as ds9 shows it (its first row at the bottom). Arrays and cutouts need
astropy (the ``astropy`` extra), imported only for them; PNG bytes need nothing.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from typing import Any, Tuple, Union

from skyportal_client.exceptions import ApiTypeError, ApiValueError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GZIP_SIGNATURE = b"\x1f\x8b"
FITS_SIGNATURE = b"SIMPLE  ="
# The sides SkyPortal takes, in pixels.
MIN_SIDE, MAX_SIDE = 16, 500

# PNG bytes, a FITS file's bytes (gzipped or not), its path, or a 2-D array of pixel values.
Image = Union[bytes, "os.PathLike[str]", Any]


def as_png(what: str, image: Image) -> bytes:
    """``image`` as PNG bytes SkyPortal takes; ApiValueError or ApiTypeError, naming ``what``, for what it refuses."""
    if isinstance(image, os.PathLike):
        with open(image, "rb") as handle:
            image = handle.read()
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        if data.startswith(PNG_SIGNATURE):
            _check_sides(what, png_size(data))
            return data
        if data.startswith(GZIP_SIGNATURE):
            data = gzip.decompress(data)
        if data.startswith(FITS_SIGNATURE):
            return _drawn(what, _fits_pixels(what, data))
        raise ApiValueError(f"{what} is neither a PNG nor a FITS file (it starts {data[:8]!r}): SkyPortal takes "
                            "PNG thumbnails only; pass PNG bytes, a FITS cutout or a 2-D array")
    if isinstance(image, str):
        raise ApiTypeError(f"{what} is text; pass the file's bytes, its path as a pathlib.Path, or a 2-D array")
    return _drawn(what, image)


def png_size(png: bytes) -> Tuple[int, int]:
    """(width, height) from a PNG's header."""
    if len(png) < 24 or png[12:16] != b"IHDR":
        raise ApiValueError("a PNG without its IHDR header: the file is cut short or damaged")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _check_sides(what: str, size: Tuple[int, int]) -> None:
    width, height = size
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ApiValueError(f"{what} is {width}×{height} pixels: SkyPortal takes thumbnails of {MIN_SIDE} to "
                            f"{MAX_SIDE} pixels a side; crop or resample the cutout")


def _fits_pixels(what: str, data: bytes) -> Any:
    try:
        from astropy.io import fits
    except ImportError:
        raise ImportError("FITS cutouts need astropy: pip install 'skyportal-client[astropy]'") from None
    with fits.open(io.BytesIO(data)) as hdus:
        for hdu in hdus:
            if hdu.data is not None and hdu.data.ndim == 2:
                return hdu.data.copy()
    raise ApiValueError(f"{what} is a FITS file without a 2-D image in any of its HDUs")


def _drawn(what: str, pixels: Any) -> bytes:
    """A 2-D array as an 8-bit gray PNG, with the module's stretch."""
    try:
        import numpy
        from astropy.visualization import ImageNormalize, LinearStretch, ZScaleInterval
    except ImportError:
        raise ImportError("arrays and FITS cutouts are drawn with astropy: pip install 'skyportal-client[astropy]'") \
            from None
    try:
        values = numpy.asarray(pixels, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ApiValueError(f"{what} must be a 2-D image (rows of equal length, numbers): {exc}") from None
    if values.ndim != 2:
        raise ApiValueError(f"{what} must be a 2-D image, not an array of shape {values.shape}")
    height, width = values.shape
    _check_sides(what, (width, height))
    finite = numpy.isfinite(values)
    if not finite.any():
        raise ApiValueError(f"{what} has no finite pixel value: there is nothing to draw")
    filled = numpy.where(finite, values, numpy.nanmin(values[finite]))
    normalise = ImageNormalize(filled, interval=ZScaleInterval(), stretch=LinearStretch(), clip=True)
    gray = numpy.round(numpy.asarray(normalise(filled).filled(0)) * 255).astype(numpy.uint8)
    gray[~finite] = 0
    return _gray_png(numpy.flipud(gray).tobytes(), width, height)


def _gray_png(rows: bytes, width: int, height: int) -> bytes:
    """An 8-bit grayscale PNG of ``rows`` (``height`` rows of ``width`` bytes, top first)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    scanlines = b"".join(b"\x00" + rows[row * width:(row + 1) * width] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray, no interlace
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines)) + chunk(b"IEND", b"")
