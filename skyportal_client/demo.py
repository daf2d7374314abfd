"""The demo: a small light curve's life on a SkyPortal, with ``SkyPortal``, against the embedded server.

Run it with ``python -m skyportal_client.demo``. It starts a SkyPortal-compatible server on
loopback, creates a telescope, an instrument, a group and a source there, and then goes
through what a pipeline does with photometry: make sure the source exists, upload, read back,
correct, re-send, query a range, delete, roll back. Each step prints the verb, the photometry
operation of PhotometryApi it sends, and what it returns. Nothing leaves this machine.
"""

import datetime
import os
import tempfile
from pprint import pformat

import skyportal_client
from skyportal_client.testing import SkyPortalTestServer
from skyportal_client.testing.provision import provision


def show(step, call, operation, result):
    print(f"\n{step}. {call}    [{operation}]")
    print("   " + pformat(result, width=100, compact=True).replace("\n", "\n   "))


def run_demo(url, token, folder):
    where = provision(url, token)  # a telescope, an instrument, a group and a source, over HTTP
    instrument, group = where.instrument_name, where.group_name
    with skyportal_client.SkyPortal(url, token) as sp:
        print(f"SkyPortal {sp.version}; instrument {instrument!r}, group {group!r}")
        obj_id = "ZTF21demoobj"
        show(0, f"sp.sources.ensure({obj_id!r}, ra=234.22, dec=-22.33, groups=[{group!r}])",
             "api_sources_obj_id_head, api_sources_post",
             sp.sources.ensure(obj_id, ra=234.22, dec=-22.33, groups=[group]))

        light_curve = {"mjd": [59400.1, 59401.2, 59402.3], "mag": [19.1, 18.9, None], "magerr": [0.05, 0.04, None],
                       "limiting_mag": [21.0, 21.1, 21.2], "filter": "ztfg"}
        manifest = os.path.join(folder, "upload.json")
        uploaded = sp.photometry.upload(light_curve, obj_id=obj_id, instrument=instrument, groups=[group],
                                        manifest=manifest)
        show(1, f"sp.photometry.upload(three points, the last a non-detection, instrument={instrument!r})",
             "api_photometry_post", uploaded)
        first_id = uploaded.ids[0]

        point = sp.photometry.point(first_id, format="flux")
        show(2, f"sp.photometry.point({first_id}, format='flux')", "api_photometry_photometry_id_get",
             {key: point[key] for key in ("id", "mjd", "filter", "flux", "fluxerr", "zp", "magsys")})

        corrected = {"obj_id": obj_id, "instrument_id": where.instrument_id, "mjd": 59400.1, "mag": 19.0,
                     "magerr": 0.06, "limiting_mag": 21.0, "filter": "ztfr", "magsys": "ab"}
        sp.photometry.update(first_id, corrected)
        show(3, f"sp.photometry.update({first_id}, the complete corrected point: mag 19.0, filter ztfr)",
             "api_photometry_photometry_id_patch", {key: sp.photometry.point(first_id)[key] for key in ("mag", "filter")})

        resent = dict(light_curve, mjd=[59402.3, 59403.4], mag=[None, 19.4], magerr=[None, 0.07],
                      limiting_mag=[21.2, 21.3])
        put_ids = sp.photometry.upload(resent, obj_id=obj_id, instrument=instrument, method="put").ids
        show(4, "sp.photometry.upload(one known point and one new point, method='put'): their ids",
             "api_photometry_put", put_ids)

        show(5, f"sp.photometry.get({obj_id!r}): id, mjd, filter, mag of each point",
             "api_sources_obj_id_photometry_get",
             [(p["id"], p["mjd"], p["filter"], p["mag"]) for p in sp.photometry.get(obj_id)])

        in_range = sp.photometry.range(instruments=instrument, min_date=datetime.datetime(2021, 7, 5, 12),
                                       max_date=datetime.datetime(2021, 7, 7, 12), format="flux")
        show(6, "sp.photometry.range(2021-07-05 12:00 to 2021-07-07 12:00, format='flux')", "api_photometry_range_get",
             [(p["id"], p["mjd"], p["flux"]) for p in in_range])

        added_by_put = put_ids[-1]
        sp.photometry.delete(added_by_put)
        show(7, f"sp.photometry.delete({added_by_put}): the point the PUT added; the ids left",
             "api_photometry_photometry_id_delete", [p["id"] for p in sp.photometry.get(obj_id)])

        show(8, "sp.photometry.rollback(the upload's manifest): points removed",
             "api_photometry_bulk_delete_upload_id_delete", sp.photometry.rollback(manifest))

        print(f"\n{len(sp.photometry.get(obj_id))} point(s) left on {obj_id}.")


def main():
    with SkyPortalTestServer() as server, tempfile.TemporaryDirectory() as folder:
        print(f"Embedded SkyPortal-compatible server at {server.url}")
        run_demo(server.url, server.token, folder)


if __name__ == "__main__":
    main()
