"""A photometry workflow run with skyportal-py, a SkyPortal client others wrote.

    python interop/skyportal_py_workflow.py

Runs against the embedded server (started here), or against the SkyPortal
that SKYPORTAL_TEST_URL and SKYPORTAL_TEST_TOKEN name (one not on loopback
also needs SKYPORTAL_TEST_ALLOW_REMOTE=1); SKYPORTAL_URL and SKYPORTAL_TOKEN,
a user's everyday settings, are never followed.  Every step checks what came
back (skyportal-py's models also refuse keys they do not know), and the
run removes what it created but the telescope, instrument, group and
object, which SkyPortal's API does not let a token delete cleanly.  Exits
non-zero at the first step that fails.  Needs skyportal-py (``tox -e
skyportal-py`` installs it); it is not a dependency of the project.
"""

import importlib.metadata
import math
import os
import sys
import uuid

import skyportal_py
from skyportal_py import groups, instruments, photometry, sources, telescopes

from skyportal_client.exceptions import ApiValueError
from skyportal_client.testing import real_server

ZP = 23.9
MAGERR_PER_RELATIVE_FLUXERR = 2.5 / math.log(10)


class StepFailed(Exception):
    pass


def check(condition: object, what: str) -> None:
    if not condition:
        raise StepFailed(what)


def close(actual: float | None, expected: float) -> bool:
    return actual is not None and math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-9)


def run(client: skyportal_py.SkyPortal) -> None:
    """The workflow, step by step; prints each step as it passes."""
    suffix = uuid.uuid4().hex[:10]

    def step(name: str) -> None:
        print(f"ok  {name}", flush=True)

    info = client.fetch_sysinfo()
    check(isinstance(info.gitlog, list), "sysinfo has a git log list")
    step("sysinfo")

    telescope_name = f"Interop telescope {suffix}"
    check(client.fetch_telescopes(name=telescope_name) == [], "no telescope of that name yet")
    telescope_id = client.post_telescope(telescopes.TelescopePost(
        name=telescope_name, nickname=f"it{suffix}", diameter=1.2, lat=33.36, lon=-116.86, elevation=1870.0,
        robotic=True, fixed_location=True)).id
    [found] = client.fetch_telescopes(name=telescope_name)
    check(found.id == telescope_id and found.is_night_astronomical in (True, False), "telescope found by name")
    check(isinstance(found.morning, str) and isinstance(found.evening, str), "the night's twilights")
    telescope = client.fetch_telescope(telescope_id)
    check((telescope.name, telescope.diameter, telescope.instruments) == (telescope_name, 1.2, []), "telescope by id")
    step("find or create the telescope")

    instrument_name = f"Interop camera {suffix}"
    check(client.fetch_instruments(name=instrument_name) == [], "no instrument of that name yet")
    instrument_id = client.post_instrument(instruments.InstrumentPost(
        name=instrument_name, type="imager", band="optical", telescope_id=telescope_id,
        filters=["ztfg", "ztfr", "ztfi"])).id
    [listed] = client.fetch_instruments(name=instrument_name)
    check(listed.id == instrument_id and listed.telescope is not None and listed.telescope.id == telescope_id,
          "instrument found by name")
    instrument = client.fetch_instrument(instrument_id)
    check(instrument.filters == ["ztfg", "ztfr", "ztfi"] and instrument.log_exists is False, "instrument by id")
    step("find or create the instrument")

    group_id = client.post_group(groups.GroupPost(name=f"interop-group-{suffix}")).id
    listing = client.fetch_groups()
    check(listing.all_groups is not None and group_id in {group.id for group in listing.all_groups},
          "the new group is listed")
    step("create a group")

    obj_id = f"ZTFinterop{suffix}"
    check(client.source_exists(obj_id) is False, "the object does not exist yet")
    saved = client.post_source(sources.SourcePost(id=obj_id, ra=150.1 + int(suffix[:4], 16) / 1e4, dec=2.2,
                                                  group_ids=[group_id]))
    check((saved.id, saved.saved_to_groups) == (obj_id, [group_id]), "source saved to the group")
    check(client.source_exists(obj_id) is True, "the source exists now")
    source = client.fetch_source(obj_id)
    check(source.id == obj_id and [group.id for group in source.groups] == [group_id], "source read back")
    page = client.fetch_sources(source_id=obj_id, num_per_page=10)
    check(page.total_matches == 1 and [listed.id for listed in page.sources] == [obj_id], "sources list")
    step("create the source")

    upload = photometry.PhotometryPost(
        obj_id=obj_id, instrument_id=instrument_id, mjd=[60100.1, 60100.2, 60100.3], mag=[19.1, 19.2, None],
        magerr=[0.05, 0.05, None], limiting_mag=[21.0, 21.0, 21.2], filter="ztfg", magsys="ab",
        group_ids=[group_id])
    posted = client.post_photometry(upload)
    if not (len(posted.ids) == 3 and posted.upload_id):  # not check(): so the type checker knows upload_id is set
        raise StepFailed("three ids and an upload id")
    check(client.upsert_photometry(upload).ids == posted.ids, "a PUT of the same points finds the same ids")
    step("upload photometry")

    points = client.fetch_photometry(obj_id, format="both")
    check([point.id for point in points] == posted.ids, "the object's points, in mjd order")
    first, _, limit = points
    check(close(first.mag, 19.1) and close(first.magerr, 0.05), "a detection reads back as uploaded")
    check(close(first.flux, 10 ** (-0.4 * (19.1 - ZP))), "its flux")
    check(limit.mag is None and close(limit.limiting_mag, 21.2), "a non-detection keeps its limit")
    check(close(limit.fluxerr, 10 ** (-0.4 * (21.2 - ZP)) / 3), "its 3-sigma error")
    one = client.fetch_photometry_point(posted.ids[1], format="flux")
    check(one.id == posted.ids[1] and one.flux is not None
          and close(one.fluxerr, 0.05 / MAGERR_PER_RELATIVE_FLUXERR * one.flux), "one point in flux")
    in_range = client.fetch_photometry_range(instrument_ids=[instrument_id], min_date="2023-06-05T00:00:00",
                                             max_date="2023-06-06T00:00:00")
    check({point.id for point in in_range} >= set(posted.ids), "the range query finds them")
    step("read the photometry back")

    client.update_photometry(posted.ids[0], photometry.PhotometryUpdate(
        obj_id=obj_id, instrument_id=instrument_id, mjd=60100.1, mag=19.4, magerr=0.06, limiting_mag=21.0,
        filter="ztfr", magsys="ab"))
    patched = client.fetch_photometry_point(posted.ids[0])
    check(close(patched.mag, 19.4) and patched.filter == "ztfr", "the patched point")
    step("update a point")

    client.delete_photometry(posted.ids[0])
    check(client.bulk_delete_photometry(posted.upload_id) == "Deleted 2 photometry point(s).", "bulk delete")
    check(client.fetch_photometry(obj_id) == [], "no photometry left")
    client.delete_source(obj_id, group_id)
    check(client.fetch_source(obj_id).groups == [], "the source is no longer saved to the group")
    step("delete")


def main() -> int:
    try:
        real = real_server.real_skyportal(os.environ)
    except ApiValueError as refusal:
        print(f"REFUSED: {refusal}", file=sys.stderr)
        return 2
    if real is not None:
        url, token = real
        print(f"skyportal-py {importlib.metadata.version('skyportal-py')} against {url}", flush=True)
        server = None
    else:
        from skyportal_client.testing import SkyPortalTestServer

        server = SkyPortalTestServer().start()
        url, token = server.url, server.token
        print(f"skyportal-py against the embedded server at {url}", flush=True)
    try:
        with skyportal_py.create_client(url, token, trust_env=False) as client:
            run(client)
    except (StepFailed, skyportal_py.SkyPortalError, ValueError) as exc:
        print(f"FAILED: {type(exc).__name__}: {str(exc).replace(token, '<token>')[:2000]}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    print("the workflow went through every step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
