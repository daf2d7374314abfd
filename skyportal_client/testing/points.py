"""Photometry point dicts as SkyPortal's GETs return them (reference §2.3, §5)."""

import math
from collections.abc import Mapping
from typing import Any

from .conversions import (
    MAGERR_PER_RELATIVE_FLUXERR,
    PHOT_SYS,
    PHOT_ZP,
    MagsysError,
    flux_to_mag,
    flux_to_magerr,
    is_finite,
    magsys_offset,
    output_limiting_mag,
    resolve_magsys,
    signal_to_noise,
)

OUTPUT_FORMATS = ("flux", "mag", "both")


class SerializationError(Exception):
    """An unusable format or magsys; SkyPortal answers these with a 500."""


def _positive(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and value > 0


def has_reference(point: Mapping[str, Any]) -> bool:
    """SkyPortal shows the reference block when ref_flux and ref_fluxerr are both numbers."""
    return all(point[key] is not None and not math.isnan(point[key]) for key in ("ref_flux", "ref_fluxerr"))


def reference_block(point: Mapping[str, Any], offset: float, with_offset: bool) -> dict[str, float | None]:
    """ref/tot fluxes and mags (Photometry's hybrid properties; magtot is
    never moved out of AB, as in SkyPortal)."""
    ref_flux, ref_fluxerr, flux, fluxerr = point["ref_flux"], point["ref_fluxerr"], point["flux"], point["fluxerr"]
    detected = _positive(ref_flux) and _positive(flux)
    errors = _positive(ref_fluxerr) and _positive(fluxerr)
    magref = flux_to_mag(ref_flux, 0.0)
    return {
        "ref_flux": ref_flux,
        "tot_flux": ref_flux + flux if detected else None,
        "ref_fluxerr": ref_fluxerr,
        "tot_fluxerr": math.sqrt(ref_fluxerr ** 2 + fluxerr ** 2) if errors else None,
        "magref": magref + offset if magref is not None and with_offset else magref,
        "magtot": flux_to_mag(ref_flux + flux, 0.0) if detected else None,
        "e_magref": flux_to_magerr(ref_flux, ref_fluxerr),
        "e_magtot": (MAGERR_PER_RELATIVE_FLUXERR * math.sqrt(ref_fluxerr ** 2 + fluxerr ** 2) / (ref_flux + flux)
                     if detected and errors else None),
    }


def _limiting_mag(point: Mapping[str, Any], offset: float) -> float:
    """The uploader's limiting mag moved into the output system, else 5 sigma."""
    original = point["original_user_data"] or {}
    if original.get("limiting_mag") is not None:
        upload_offset = magsys_offset(original.get("magsys", PHOT_SYS), point["filter"])
        return original["limiting_mag"] + offset - upload_offset
    return output_limiting_mag(point["fluxerr"], offset)


def serialize(point: Mapping[str, Any], output_format: str = "mag", magsys: str = PHOT_SYS,
              with_annotations: bool = False) -> dict[str, Any]:
    """One point dict.  ``point`` comes from Store.readable_points."""
    if output_format not in (*OUTPUT_FORMATS, "plot"):
        raise SerializationError(
            f"Could not serialize phot_id: {point['id']}: Invalid output format specified. "
            f"Must be one of {list(OUTPUT_FORMATS)}, got '{output_format}'.")
    try:
        system = PHOT_SYS if point["filter"] == "swiftxrt" else resolve_magsys(magsys)
        offset = magsys_offset(system, point["filter"])
        limiting_mag = _limiting_mag(point, offset)
    except MagsysError as exc:
        raise SerializationError(str(exc)) from None
    flux, fluxerr = point["flux"], point["fluxerr"]
    mag_keys = {
        "mag": flux_to_mag(flux, offset),
        "magerr": flux_to_magerr(flux, fluxerr),
        "magsys": system,
        "limiting_mag": limiting_mag,
    }
    if output_format == "plot":
        plot = {key: point[key] for key in ("id", "obj_id", "filter", "mjd", "origin")}
        plot.update((key, mag_keys[key]) for key in ("mag", "magerr", "limiting_mag"))
        return plot
    result = {key: point[key] for key in ("obj_id", "ra", "dec", "filter", "mjd")}
    result["snr"] = signal_to_noise(flux, fluxerr)
    for key in ("instrument_id", "instrument_name", "ra_unc", "dec_unc", "origin", "id", "altdata",
                "created_at", "groups"):
        result[key] = point[key]
    if with_annotations:
        result["annotations"] = []
    # SkyPortal adds the reference block (in AB) before the mag and flux
    # keys, then moves magref into the output system for the mag formats.
    reference = has_reference(point)
    if reference:
        result.update(reference_block(point, offset, with_offset=False))
    if output_format in ("mag", "both"):
        result.update(mag_keys)
        if reference:
            moved = reference_block(point, offset, with_offset=True)
            result.update((key, moved[key]) for key in ("magref", "magtot", "e_magref", "e_magtot"))
    if output_format in ("flux", "both"):
        result.update({"flux": flux if is_finite(flux) else None, "magsys": system,
                       "zp": PHOT_ZP + offset, "fluxerr": fluxerr})
    return result
