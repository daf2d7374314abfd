"""Every example of every generated API page (docs/*Api.md) runs against the server, with fresh ids filled in;
every generated model page's import line imports its model."""

import pathlib
import uuid

from support import markdown_examples
import pytest
from support.upload_bodies import mag_points

from skyportal_client._models.base import Model
from skyportal_client.api import telescopes_api
from skyportal_client.testing.provision import api_call, random_position

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*Api.md"))
EXAMPLES = {(page.stem, operation): blocks for page in PAGES
            for operation, blocks in markdown_examples.examples_by_operation(page.read_text()).items()}
# The operations that create or delete: a real SkyPortal's token may not be allowed to.
WRITES = {"api_sources_post", "api_sources_obj_id_delete", "api_instrument_post", "api_telescope_post"}

GENERATED = (DOCS.parent / ".openapi-generator" / "FILES").read_text().split()
MODEL_PAGES = sorted(DOCS.parent / name for name in GENERATED
                     if name.startswith("docs/") and name.endswith(".md") and not name.endswith("Api.md"))


@pytest.mark.parametrize("page", MODEL_PAGES, ids=[page.stem for page in MODEL_PAGES])
def test_a_model_page_imports_its_model(page):
    (code,) = markdown_examples.all_examples(page.read_text())
    namespace, printed = markdown_examples.run(code)
    assert issubclass(namespace[page.stem], Model) and printed == ""


# The pages of an alert broker's operations: their examples need a stream, a filter and a candidate.
BROKER_PAGES = {"AnnotationsApi", "CandidatesApi", "ClassificationsApi", "CommentsApi", "FiltersApi", "StreamsApi",
                "TaxonomiesApi", "ThumbnailsApi"}
# A 16×16 gray PNG, the smallest thumbnail SkyPortal takes.
PNG_16 = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAAAAAA6mKC9AAAAD0lEQVR4nGNoQAMMI1sAAAUMgAFaSOXNAAAAAElFTkSuQmCC"


@pytest.fixture
def uploaded(photometry, skyportal_provisioned):
    body = mag_points(skyportal_provisioned)
    data = photometry.api_photometry_post(unknown_base_type=body)["data"]
    return body, data["ids"], data["upload_id"]


def test_every_operation_has_one_example():
    assert [page.stem for page in PAGES] == [
        "AnnotationsApi", "CandidatesApi", "ClassificationsApi", "CommentsApi", "FiltersApi", "GroupsApi",
        "InstrumentsApi", "PhotometryApi", "SourcesApi", "StreamsApi", "SystemInfoApi", "TaxonomiesApi", "TelescopesApi",
        "ThumbnailsApi"]
    assert len([key for key in EXAMPLES if key[0] == "PhotometryApi"]) == 8
    assert len(EXAMPLES) == 41  # the photometry pipeline's 22, and the 19 of an alert broker's step
    assert all(len(blocks) == 1 for blocks in EXAMPLES.values())


def alert_fill_ins(skyportal, provisioned, obj_id):
    """A stream and a filter of the provisioned group, ``obj_id`` as their candidate with an
    annotation and a thumbnail: the parameters that name them."""
    url, token = skyportal.url, skyportal.token
    unique = uuid.uuid4().hex[:10]
    stream_id = api_call(url, token, "POST", "/api/streams", {"name": f"stream-{unique}"})["id"]
    api_call(url, token, "POST", f"/api/streams/{stream_id}/users",
             {"user_id": api_call(url, token, "GET", "/api/internal/profile")["id"]})
    filter_id = api_call(url, token, "POST", "/api/filters", {"name": f"filter-{unique}", "stream_id": stream_id,
                                                              "group_id": provisioned.group_id})["id"]
    api_call(url, token, "POST", "/api/candidates", {"id": obj_id, "filter_ids": [filter_id],
                                                     "passed_at": "2026-12-06T10:00:00"})
    annotation_id = api_call(url, token, "POST", f"/api/sources/{obj_id}/annotations",
                             {"origin": f"broker_{unique}", "data": {"drb": 0.9}})["annotation_id"]
    thumbnail_id = api_call(url, token, "POST", "/api/thumbnail", {"obj_id": obj_id, "ttype": "new",
                                                                   "data": PNG_16})["id"]
    taxonomy_id = api_call(url, token, "POST", "/api/taxonomy", {
        "name": f"taxonomy-{unique}", "version": "1.0",
        "hierarchy": {"class": "Transient", "subclasses": [{"class": "SN Ia"}]}})["taxonomy_id"]
    return {
        "stream_id": repr(stream_id), "filter_id": repr(filter_id), "filter_ids": repr([filter_id]),
        "group_ids": repr([provisioned.group_id]), "annotation_id": repr(annotation_id),
        "thumbnail_id": repr(thumbnail_id), "resource_id": repr(obj_id),
        "new_candidate": f"NewCandidate(id={obj_id!r}, filter_ids=[{filter_id}], passed_at='2026-12-06T11:00:00')",
        "new_annotation": f"NewAnnotation(origin={'other_' + unique!r}, data={{'drb': 0.5}})",
        "annotation_update": "AnnotationUpdate(data={'drb': 0.95})",
        "new_thumbnail": f"NewThumbnail(obj_id={obj_id!r}, ttype='ref', data={PNG_16!r})",
        "new_comment": f"NewComment(text='Passed filter {filter_id}', group_ids=[{provisioned.group_id}])",
        "new_classification": (f"NewClassification(obj_id={obj_id!r}, classification='SN Ia', "
                               f"taxonomy_id={taxonomy_id}, probability=0.8)"),
    }


def fill_ins(page, operation, uploaded, provisioned, api_client):
    """Source text for the parameters an example assigns that name things on the server (ids, names,
    bodies), so that they name what exists there; the others (format, page size) keep the page's value."""
    body, ids, upload_id = uploaded
    unique = uuid.uuid4().hex[:10]
    ra, dec = random_position()
    values = {
        "obj_id": repr(body["obj_id"]),
        "photometry_id": repr(ids[0]),
        "upload_id": repr(upload_id),
        "unknown_base_type": f"UNKNOWNBASETYPE(**{mag_points(provisioned, count=2)!r})",
        "photometry_range_query": f"PhotometryRangeQuery(instrument_ids=[{provisioned.instrument_id}])",
        "source_id": repr(body["obj_id"]),
        "new_source": f"NewSource(id={'ZTFdoc' + unique!r}, ra={ra}, dec={dec}, group_ids=[{provisioned.group_id}])",
        "source_deletion": f"SourceDeletion(group_id={provisioned.group_id})",
        "instrument_id": repr(provisioned.instrument_id),
        "new_instrument": (f"NewInstrument(name={'Cam-' + unique!r}, type='imager', band='optical', "
                           f"telescope_id={provisioned.telescope_id}, filters=['ztfg', 'ztfr'])"),
        "telescope_id": repr(provisioned.telescope_id),
        "new_telescope": (f"NewTelescope(name={'Obs-' + unique!r}, nickname={'obs' + unique!r}, diameter=1.2, "
                          "lat=33.36, lon=-116.86, elevation=1870.0, robotic=True, fixed_location=True)"),
    }
    if page == "InstrumentsApi":
        values["name"] = repr(provisioned.instrument_name)
    if page == "TelescopesApi":
        telescope = telescopes_api.TelescopesApi(api_client).api_telescope_telescope_id_get(provisioned.telescope_id)
        values["name"] = repr(telescope.data.name)
    if operation == "api_photometry_photometry_id_patch":
        values["unknown_base_type"] = repr({key: body[key] for key in ("obj_id", "instrument_id", "filter", "magsys")}
                                           | {"mjd": body["mjd"][0], "mag": 18.5, "magerr": 0.1, "limiting_mag": 21.0})
    return values


@pytest.mark.parametrize("page, operation", sorted(EXAMPLES), ids=[operation for _, operation in sorted(EXAMPLES)])
@pytest.mark.usefixtures("environment_points_at_server")
def test_example_runs(page, operation, uploaded, skyportal_provisioned, skyportal, api_client):
    (code,) = EXAMPLES[page, operation]
    values = fill_ins(page, operation, uploaded, skyportal_provisioned, api_client)
    if page in BROKER_PAGES:
        if not skyportal.embedded:
            pytest.skip("the examples of an alert broker's operations create streams and filters: embedded server only")
        values.update(alert_fill_ins(skyportal, skyportal_provisioned, uploaded[0]["obj_id"]))
    assigned = markdown_examples.parameter_assignments(code)
    namespace, printed = markdown_examples.run(markdown_examples.fill_in(
        code, {name: value for name, value in values.items() if name in assigned}))
    if "Exception when calling" in printed and operation in WRITES and not skyportal.embedded \
            and ("401" in printed or "permission" in printed.lower()):
        pytest.skip(f"the token may not run {operation} on {skyportal.url}: {printed.strip()}")
    assert "Exception when calling" not in printed, printed
    response = namespace["api_response"]
    if operation.endswith("_head"):  # the answer has no body: None says the source exists
        assert response is None and printed == "None\n"
        return
    assert response["status"] == "success"
    assert response["version"]
