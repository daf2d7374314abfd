"""Objects with light curves for the download, cache and plot tests."""

from support.upload_bodies import fresh_mjds

from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.testing.provision import create_source

BANDS = ("ztfg", "ztfr", "ztfi")


def add_points(api_client, setup, obj_ids, per_object=3, bands=BANDS):
    """Uploads ``per_object`` points to each object in one POST, in ``bands`` in turn:
    detections, and a non-detection every third point."""
    rows = [(obj_id, index) for obj_id in obj_ids for index in range(per_object)]
    detected = [index % 3 != 2 for _, index in rows]
    PhotometryApi(api_client).api_photometry_post(unknown_base_type={
        "obj_id": [obj_id for obj_id, _ in rows], "instrument_id": setup.instrument_id,
        "mjd": fresh_mjds(len(rows)), "filter": [bands[index % len(bands)] for _, index in rows],
        "mag": [19.0 + 0.01 * index if seen else None for (_, index), seen in zip(rows, detected)],
        "magerr": [0.05 if seen else None for seen in detected], "limiting_mag": [21.0] * len(rows),
        "magsys": "ab", "group_ids": [setup.group_id]})


def new_objects(skyportal, setup, count):
    """``count`` new objects, saved to the provisioned group, without photometry."""
    return [create_source(skyportal.url, skyportal.token, setup.group_id) for _ in range(count)]


def objects_with_points(skyportal, setup, api_client, count):
    """``count`` new objects with three points each (the third a non-detection)."""
    obj_ids = new_objects(skyportal, setup, count)
    add_points(api_client, setup, obj_ids)
    return obj_ids
