"""scripts/spec_diff.py: what changed between two SkyPortal documents, as a CHANGELOG section."""

import copy
import re

import pytest
from support.spec_files import NEWER, OVERLAY, UPSTREAM, load_json, load_yaml, needs_upstream

from scripts import spec_diff
from scripts.import_spec import method_name


@pytest.fixture(scope="module")
def older():
    return load_json(UPSTREAM)


@pytest.fixture(scope="module")
def newer():
    return load_json(NEWER)


def _parameter_lists_differ(older, newer):
    """Straight from SkyPortal's documents: the operations whose list of parameters is not the same."""
    differ = set()
    for path, item in older["paths"].items():
        for method, operation in item.items():
            was = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
            now = {(p["name"], p["in"]) for p in newer["paths"][path][method].get("parameters", [])}
            if was != now:
                differ.add((path, method))
    return differ


@needs_upstream
def test_the_diff_of_the_two_documents_lists_the_44_operations_whose_parameters_changed(older, newer):
    expected = _parameter_lists_differ(older, newer)
    assert len(expected) == 44
    diff = spec_diff.compare(older, newer)
    # Compared by method name: the diff names paths as repaired (no regex leftovers such as ")?").
    assert {change.operation_id for change in diff.changed.values() if change.added or change.removed} == {
        method_name(path, method) for path, method in expected}
    assert diff.added == diff.removed == []
    assert diff.schemas_added == diff.schemas_removed == diff.schemas_changed == []
    text = spec_diff.changelog(diff)
    assert "#### Parameters added or removed (44 operations)" in text
    for path, method in expected:
        assert re.search(rf" `{method_name(path, method)}`[^:]*: (added|removed) ", text), (path, method)


@needs_upstream
def test_the_changes_to_curated_operations_say_the_sdk_keeps_our_definition(older, newer):
    text = spec_diff.changelog(spec_diff.compare(older, newer),
                               curated=spec_diff.curated_operations(load_yaml(OVERLAY)))
    line = next(line for line in text.splitlines() if line.startswith("- `GET /api/sources` "))
    assert line.startswith("- `GET /api/sources` `api_sources_get` (curated: the SDK keeps openapi.yaml's definition): added ")
    assert all("curated" not in line for line in text.splitlines() if line.startswith("- `GET /api/followup_request` "))


@needs_upstream
def test_a_retyped_parameter_is_listed_with_its_old_and_new_type(older, newer):
    diff = spec_diff.compare(older, newer)
    change = diff.changed[("/api/observation", "get")]
    assert change.retyped == [("numberObservations", "number", "integer")]
    assert "`api_observation_get`: `numberObservations` is now integer (was number)" in spec_diff.changelog(diff)


@needs_upstream
def test_operations_and_schemas_added_removed_or_changed_are_listed(older):
    changed = copy.deepcopy(older)
    del changed["paths"]["/api/sysinfo"]
    changed["paths"]["/api/new_thing"] = {"get": {"tags": ["things"], "responses": {"200": {"description": "OK"}}}}
    error = changed["components"]["schemas"]["Error"]
    error["properties"]["hint"] = {"type": "string"}
    text = spec_diff.changelog(spec_diff.compare(older, changed))
    assert "#### Operations added\n\n- `GET /api/new_thing`" in text
    assert "#### Operations removed\n\n- `GET /api/sysinfo`" in text
    assert "#### Schemas changed\n\n- `Error`" in text


@needs_upstream
def test_a_document_against_itself_has_no_changes(older):
    assert "No changes to operations, parameters or schemas." in spec_diff.changelog(spec_diff.compare(older, older))


def test_type_of_says_a_parameters_type_in_words():
    assert spec_diff.type_of({"type": "array", "items": {"type": "integer"}}) == "array of integer"
    assert spec_diff.type_of({"type": "string", "format": "date-time"}) == "string (date-time)"
    assert spec_diff.type_of({"$ref": "#/components/schemas/Group"}) == "Group"
    assert spec_diff.type_of({"oneOf": [{"type": "string"}, {"type": "object"}]}) == "string or object"
