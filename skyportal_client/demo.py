"""The demo: the eight photometry operations on a small light curve, against the embedded server.

Run it with ``python -m skyportal_client.demo``. It starts a SkyPortal-compatible server on
loopback, creates a telescope, an instrument, a group and a source there, and then calls
every operation of PhotometryApi in the order a pipeline would, printing what each returns.
Nothing leaves this machine.
"""

import datetime
from pprint import pformat

import skyportal_client
from skyportal_client.api import photometry_api
from skyportal_client.model.photometry_range_query import PhotometryRangeQuery
from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE
from skyportal_client.testing import SkyPortalTestServer
from skyportal_client.testing.provision import provision


def show(step, call, result):
    print(f"\n{step}. {call}")
    print("   " + pformat(result, width=100, compact=True).replace("\n", "\n   "))


def run_demo(url, token):
    where = provision(url, token)
    configuration = skyportal_client.Configuration(host=url, token=token)
    with skyportal_client.ApiClient(configuration) as api_client:
        api = photometry_api.PhotometryApi(api_client)

        light_curve = UNKNOWNBASETYPE(
            obj_id=where.obj_id, instrument_id=where.instrument_id, filter="ztfg", magsys="ab",
            mjd=[59400.1, 59401.2, 59402.3], mag=[19.1, 18.9, None], magerr=[0.05, 0.04, None],
            limiting_mag=[21.0, 21.1, 21.2],
        )
        uploaded = api.api_photometry_post(unknown_base_type=light_curve)
        show(1, "api_photometry_post: upload three points (the last a non-detection)", uploaded)
        first_id, _, last_id = uploaded["data"]["ids"]

        show(2, f"api_photometry_photometry_id_get({first_id}, format='flux')",
             api.api_photometry_photometry_id_get(first_id, format="flux")["data"])

        corrected = {"obj_id": where.obj_id, "instrument_id": where.instrument_id, "mjd": 59400.1,
                     "mag": 19.0, "magerr": 0.06, "limiting_mag": 21.0, "filter": "ztfr", "magsys": "ab"}
        show(3, f"api_photometry_photometry_id_patch({first_id}): correct mag and filter",
             api.api_photometry_photometry_id_patch(first_id, unknown_base_type=corrected))

        resent = dict(light_curve.to_dict(), mjd=[59402.3, 59403.4], mag=[None, 19.4], magerr=[None, 0.07],
                      limiting_mag=[21.2, 21.3])
        show(4, "api_photometry_put: re-send one known point with one new point (existing id comes back)",
             api.api_photometry_put(unknown_base_type=resent))

        points = api.api_sources_obj_id_photometry_get(where.obj_id)["data"]
        show(5, f"api_sources_obj_id_photometry_get({where.obj_id!r}): mjd, filter, mag of each point",
             [(p["mjd"], p["filter"], p["mag"]) for p in points])

        july = PhotometryRangeQuery(instrument_ids=[where.instrument_id], min_date=datetime.datetime(2021, 7, 5, 12),
                                    max_date=datetime.datetime(2021, 7, 7, 12))
        in_range = api.api_photometry_range_get(format="flux", photometry_range_query=july)["data"]
        show(6, "api_photometry_range_get: 2021-07-05 12:00 to 2021-07-07 12:00, in flux",
             [(p["id"], p["mjd"], p["flux"]) for p in in_range])

        show(7, f"api_photometry_photometry_id_delete({last_id})", api.api_photometry_photometry_id_delete(last_id))

        show(8, f"api_photometry_bulk_delete_upload_id_delete({uploaded['data']['upload_id']!r})",
             api.api_photometry_bulk_delete_upload_id_delete(uploaded["data"]["upload_id"]))

        left = api.api_sources_obj_id_photometry_get(where.obj_id)["data"]
        print(f"\n{len(left)} point(s) left on {where.obj_id}: the one the PUT added.")


def main():
    with SkyPortalTestServer() as server:
        print(f"Embedded SkyPortal-compatible server at {server.url}")
        run_demo(server.url, server.token)


if __name__ == "__main__":
    main()
