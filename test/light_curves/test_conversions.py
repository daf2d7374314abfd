"""skyportal_client.conversions gives what SkyPortal gives, to the last bit."""

import math

import pytest
from support.upload_bodies import fresh_mjds

from skyportal_client.conversions import (
    flux_to_mag,
    fluxerr_to_limiting_mag,
    limiting_mag_to_fluxerr,
    mag_to_flux,
)


def test_the_numbers_of_the_observed_exchanges():
    # observed-exchanges.md §3: point 1 (mag 19.1 ± 0.05) and point 3 (limit 21.2) read with format=flux.
    assert mag_to_flux(19.1, 0.05) == (83.17637711026691, 3.830413720467036)
    assert limiting_mag_to_fluxerr(21.2) == 4.0075481153913755
    # §1: point 7 (flux -2, fluxerr 4) has no magnitude.
    assert flux_to_mag(-2.0, 4.0) == (None, None)


def test_flux_to_mag_inverts_mag_to_flux():
    assert flux_to_mag(*mag_to_flux(19.1, 0.05)) == (19.1, 0.05)
    assert mag_to_flux(19.1) == (83.17637711026691, None)
    assert flux_to_mag(0.0) == (None, None)
    assert flux_to_mag(math.nan, 1.0) == (None, None)
    assert flux_to_mag(100.0, 0.0) == (18.9, None)


def test_limiting_magnitudes_use_the_servers_n_sigma():
    fluxerr = limiting_mag_to_fluxerr(21.2)
    assert fluxerr_to_limiting_mag(fluxerr, nsigma=3) == pytest.approx(21.2, abs=1e-12)
    # Read back at 5 sigma, the same noise is a brighter limit by 2.5*log10(5/3).
    assert fluxerr_to_limiting_mag(fluxerr) == pytest.approx(21.2 - 2.5 * math.log10(5 / 3), abs=1e-12)


def test_conversions_match_the_server(photometry, skyportal_provisioned):
    setup = skyportal_provisioned
    detection, limit, flux_point = fresh_mjds(3)
    common = {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "filter": "ztfg", "magsys": "ab"}
    photometry.api_photometry_post(unknown_base_type=dict(
        common, mjd=[detection, limit], mag=[19.1, None], magerr=[0.05, None], limiting_mag=[None, 21.2]))
    photometry.api_photometry_post(unknown_base_type=dict(
        common, mjd=flux_point, flux=150.0, fluxerr=5.0, zp=23.9))

    def read(format):
        points = photometry.api_sources_obj_id_photometry_get(setup.obj_id, format=format)["data"]
        return {point["mjd"]: point for point in points}

    as_flux, as_mag = read("flux"), read("mag")
    assert (as_flux[detection]["flux"], as_flux[detection]["fluxerr"]) == mag_to_flux(19.1, 0.05)
    assert as_flux[limit]["fluxerr"] == limiting_mag_to_fluxerr(21.2)
    assert (as_mag[flux_point]["mag"], as_mag[flux_point]["magerr"]) == flux_to_mag(150.0, 5.0)
    # A point uploaded without a limiting magnitude reports the 5-sigma one of its flux error.
    assert as_mag[flux_point]["limiting_mag"] == fluxerr_to_limiting_mag(5.0)
    assert as_mag[detection]["limiting_mag"] == fluxerr_to_limiting_mag(as_flux[detection]["fluxerr"])
