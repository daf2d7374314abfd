"""Every example of docs/PhotometryApi.md runs against the server, with fresh ids filled in."""

import pathlib

import pytest

import markdown_examples
from upload_bodies import mag_points

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
EXAMPLES = markdown_examples.examples_by_operation((DOCS / "PhotometryApi.md").read_text())

pytestmark = pytest.mark.usefixtures("environment_points_at_server")


@pytest.fixture
def uploaded(photometry, skyportal_provisioned):
    body = mag_points(skyportal_provisioned)
    data = photometry.api_photometry_post(unknown_base_type=body)["data"]
    return body, data["ids"], data["upload_id"]


def test_every_operation_has_one_example():
    assert len(EXAMPLES) == 8
    assert all(len(blocks) == 1 for blocks in EXAMPLES.values())


@pytest.mark.parametrize("operation", sorted(EXAMPLES))
def test_example_runs(operation, uploaded, skyportal_provisioned):
    body, ids, upload_id = uploaded
    (code,) = EXAMPLES[operation]
    fresh = mag_points(skyportal_provisioned, count=2)
    values = {
        "obj_id": repr(body["obj_id"]),
        "photometry_id": repr(ids[0]),
        "upload_id": repr(upload_id),
        "unknown_base_type": f"UNKNOWNBASETYPE(**{fresh!r})",
        "photometry_range_query": f"PhotometryRangeQuery(instrument_ids=[{skyportal_provisioned.instrument_id}])",
    }
    if operation == "api_photometry_photometry_id_patch":
        values["unknown_base_type"] = repr({key: body[key] for key in ("obj_id", "instrument_id", "filter", "magsys")}
                                           | {"mjd": body["mjd"][0], "mag": 18.5, "magerr": 0.1, "limiting_mag": 21.0})
    assigned = markdown_examples.parameter_assignments(code)
    namespace, printed = markdown_examples.run(markdown_examples.fill_in(code, {k: v for k, v in values.items() if k in assigned}))
    assert "Exception when calling" not in printed, printed
    response = namespace["api_response"]
    assert response["status"] == "success"
    assert response["version"]
