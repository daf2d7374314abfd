"""The seed's eight examples (PhotometryApi.md), blanks filled in, run against the server.

The seed's examples build ``ApiClient()`` with no arguments, so the host and token come
from $SKYPORTAL_URL and $SKYPORTAL_TOKEN, as they would in a user's shell. Placeholder
values are replaced by real ones: "obj_id_example", id 1, an empty upload body, the
1970 date range, and magsys "jla1", which SkyPortal does not define for ZTF filters.
"""

import dataclasses
import pathlib

from support import markdown_examples
import pytest
from support.upload_bodies import mag_points

import skyportal_client
from skyportal_client.model.success import Success
from skyportal_client.testing.provision import create_source

SEED = pathlib.Path(__file__).resolve().parents[3] / "shared" / "seed" / "PhotometryApi.md"
# The seed's range example calls dateutil's parser without importing it.
PRELUDE = "from dateutil.parser import parse as dateutil_parser\n"


@pytest.fixture(scope="module")
def seed_examples():
    if not SEED.exists():
        pytest.skip(f"the seed is not beside the repository ({SEED})")
    return markdown_examples.examples_by_operation(SEED.read_text())


def upload(photometry, provisioned):
    """Three fresh points on a fresh object: (body, ids, upload_id)."""
    fresh = dataclasses.replace(provisioned, obj_id=create_source(provisioned.url, provisioned.token,
                                                                  provisioned.group_id))
    body = mag_points(fresh)
    data = photometry.api_photometry_post(unknown_base_type=body)["data"]
    return body, data["ids"], data["upload_id"]


def run_seed_example(seed_examples, operation, values):
    (code,) = seed_examples[operation]
    assert set(values) <= set(markdown_examples.parameter_assignments(code)), "the seed names these parameters"
    namespace, printed = markdown_examples.run(PRELUDE + markdown_examples.fill_in(code, values))
    assert "Exception when calling" not in printed, printed
    return namespace["api_response"]


def check_post(seed_examples, photometry, skyportal_provisioned):
    body = mag_points(skyportal_provisioned, count=2)
    response = run_seed_example(seed_examples, "api_photometry_post", {"unknown_base_type": f"UNKNOWNBASETYPE(**{body!r})"})
    assert response["status"] == "success"
    assert len(response["data"]["ids"]) == 2
    assert isinstance(response["data"]["upload_id"], str)


def check_put(seed_examples, photometry, skyportal_provisioned):
    body, ids, _ = upload(photometry, skyportal_provisioned)
    new = mag_points(skyportal_provisioned, count=1)
    both = dict(body, mjd=body["mjd"][:1] + new["mjd"], mag=body["mag"][:1] + new["mag"],
                magerr=body["magerr"][:1] + new["magerr"], limiting_mag=body["limiting_mag"][:1] + new["limiting_mag"])
    response = run_seed_example(seed_examples, "api_photometry_put", {"unknown_base_type": repr(both)})
    assert response["data"]["ids"][0] == ids[0]
    assert response["data"]["ids"][1] not in ids
    assert "upload_id" not in response["data"]


def check_get_one(seed_examples, photometry, skyportal_provisioned):
    _, ids, _ = upload(photometry, skyportal_provisioned)
    response = run_seed_example(seed_examples, "api_photometry_photometry_id_get",
                                {"photometry_id": ids[0], "format": '"flux"', "magsys": '"ab"'})
    assert response["data"]["id"] == ids[0]
    assert response["data"]["zp"] == 23.9


def check_patch(seed_examples, photometry, skyportal_provisioned):
    """The seed's first form sends no body, which SkyPortal can only answer with a 500:
    the client refuses it before sending. The second form, with the point, works."""
    body, ids, _ = upload(photometry, skyportal_provisioned)
    point = {"obj_id": body["obj_id"], "instrument_id": body["instrument_id"], "mjd": body["mjd"][0],
             "mag": 18.25, "magerr": 0.06, "limiting_mag": 21.0, "filter": "ztfr", "magsys": "ab"}
    values = {"photometry_id": ids[0], "unknown_base_type": repr(point)}
    (code,) = seed_examples["api_photometry_photometry_id_patch"]
    with pytest.raises(skyportal_client.ApiValueError, match="unknown_base_type is required"):
        markdown_examples.run(PRELUDE + markdown_examples.fill_in(code, values))
    first_form = "    # example passing only required values which don't have defaults set\n    try:"
    second_form = code.index("    # example passing only required values which don't have defaults set\n    # and optional")
    with_point_only = code[:code.index(first_form)] + code[second_form:]
    seed_examples = {"api_photometry_photometry_id_patch": [with_point_only]}
    response = run_seed_example(seed_examples, "api_photometry_photometry_id_patch", values)
    assert isinstance(response, Success)
    changed = photometry.api_photometry_photometry_id_get(ids[0])["data"]
    assert (changed["mag"], changed["filter"]) == (pytest.approx(18.25), "ztfr")


def check_range(seed_examples, photometry, skyportal_provisioned):
    _, ids, _ = upload(photometry, skyportal_provisioned)
    query = (f"PhotometryRangeQuery(instrument_ids=[{skyportal_provisioned.instrument_id}], "
             "min_date=dateutil_parser('1858-11-17T00:00:00Z'), max_date=dateutil_parser('2100-01-01T00:00:00Z'))")
    response = run_seed_example(seed_examples, "api_photometry_range_get",
                                {"photometry_range_query": query, "magsys": '"ab"'})
    assert set(ids) <= {point["id"] for point in response["data"]}


def check_object_light_curve(seed_examples, photometry, skyportal_provisioned):
    body, ids, _ = upload(photometry, skyportal_provisioned)
    response = run_seed_example(seed_examples, "api_sources_obj_id_photometry_get",
                                {"obj_id": repr(body["obj_id"]), "magsys": '"ab"'})
    assert [point["id"] for point in response["data"]] == ids
    assert [point["mag"] for point in response["data"]] == pytest.approx(body["mag"])


def check_delete_one(seed_examples, photometry, skyportal_provisioned):
    _, ids, _ = upload(photometry, skyportal_provisioned)
    response = run_seed_example(seed_examples, "api_photometry_photometry_id_delete", {"photometry_id": ids[0]})
    assert response.data == {}
    with pytest.raises(skyportal_client.BadRequestException, match="Cannot find photometry point"):
        photometry.api_photometry_photometry_id_get(ids[0])


def check_bulk_delete(seed_examples, photometry, skyportal_provisioned):
    _, ids, upload_id = upload(photometry, skyportal_provisioned)
    response = run_seed_example(seed_examples, "api_photometry_bulk_delete_upload_id_delete",
                                {"upload_id": repr(upload_id)})
    assert response.data == f"Deleted {len(ids)} photometry point(s)."


CHECKS = [check_post, check_put, check_get_one, check_patch, check_range, check_object_light_curve,
          check_delete_one, check_bulk_delete]


@pytest.mark.usefixtures("environment_points_at_server")
def test_every_seed_example_runs(seed_examples, photometry, skyportal_provisioned):
    """One test for the eight examples, so that a clone without the seed beside it skips once;
    the generated docs/PhotometryApi.md, in the seed's format, runs in every clone."""
    assert len(CHECKS) == len(seed_examples) == 8
    for check in CHECKS:
        check(seed_examples, photometry, skyportal_provisioned)
