"""scripts/import_spec.py: SkyPortal's own document in, openapi-full.yaml out; offline, deterministic,
valid, complete but for the documented routes, and our curated operations exactly as openapi.yaml has them."""

import copy
import socket
import urllib.parse

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from support.spec_files import FULL, NEWER, OVERLAY, UPSTREAM, load_json, load_yaml, needs_upstream

from scripts import import_spec
from scripts.import_spec import HTTP_METHODS, ONE_LINE, SKYPORTAL_API_DOCS, operations


@pytest.fixture(scope="module")
def full():
    return load_yaml(FULL)


@pytest.fixture(scope="module")
def overlay():
    return load_yaml(OVERLAY)   # safe_load resolves the anchors, as generate.sh does


@pytest.fixture
def offline(monkeypatch):
    """No socket can connect or resolve a name: whatever the import needs is on disk."""
    def refuse(*args, **kwargs):
        raise AssertionError("the import tried to use the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _linked(operation):
    """The (path, method) SkyPortal's document has this operation under, read back from its link."""
    anchor = urllib.parse.unquote(operation["externalDocs"]["url"].split("/paths/")[1])
    path, method = anchor.rsplit("/", 1)
    return path.replace("~1", "/").replace("~0", "~"), method


def _errors(doc):
    return [error.message[:200] for error in OpenAPIV30SpecValidator(doc).iter_errors()]


def test_the_full_document_validates_with_no_errors(full):
    assert _errors(full) == []
    assert full["openapi"] == "3.0.3"


@needs_upstream
def test_the_committed_document_is_what_the_importer_writes_offline_and_twice_the_same(offline):
    _, first = import_spec.run(UPSTREAM, OVERLAY)
    _, second = import_spec.run(UPSTREAM, OVERLAY)
    assert first.encode() == second.encode()
    assert first == FULL.read_text(), "openapi-full.yaml is stale: run python -m scripts.import_spec"


@needs_upstream
def test_skyportals_documents_fail_validation_and_every_repair_rule_fixes_something_in_them():
    assert len(_errors(load_json(UPSTREAM))) > 1000
    counts = [import_spec.run(spec, OVERLAY)[0].repairs for spec in (UPSTREAM, NEWER)]
    assert [name for name in counts[0] if counts[0][name] == counts[1][name] == 0] == []
    assert list(counts[0])[:len(import_spec.REPAIRS)] == [name for name, _ in import_spec.REPAIRS]


@needs_upstream
def test_the_newer_document_imports_and_validates_too():
    result, _ = import_spec.run(NEWER, OVERLAY)
    assert _errors(result.document) == []


@needs_upstream
def test_every_operation_is_there_but_the_documented_routes_left_out(full):
    upstream = {(path, method) for path, item in load_json(UPSTREAM)["paths"].items() for method in item}
    assert len(upstream) == 477
    left_out = {(route["path"], route["method"]) for route in full["x-left-out"]}
    assert all(route["reason"] for route in full["x-left-out"])
    assert left_out <= upstream
    assert {_linked(operation) if "externalDocs" in operation else (path, method)
            for path, method, operation in operations(full)} == upstream - left_out
    assert len(list(operations(full))) == 477 - len(left_out)


def test_the_curated_operations_are_todays_definitions(full, overlay):
    curated = 0
    for path, item in overlay["paths"].items():
        for key, value in item.items():
            assert full["paths"][path][key] == value, (path, key)
            curated += key in HTTP_METHODS
    assert curated == 41  # the photometry pipeline's 22, and the 19 of an alert broker's step


def test_the_curated_components_keep_their_names_and_definitions(full, overlay):
    for kind, named in overlay["components"].items():
        for name, definition in named.items():
            assert full["components"][kind][name] == definition, (kind, name)
    assert full["security"] == overlay["security"] and full["servers"] == overlay["servers"]


def test_no_long_prose_is_copied(full, overlay):
    """Every description not ours is a short line, or the link that stands for SkyPortal's prose."""
    ours = set(import_spec.descriptions(overlay)) | {full["info"]["description"]}
    long = [text for text in import_spec.descriptions(full) if text not in ours
            and len(text) > ONE_LINE and not text.startswith("See SkyPortal's API documentation: ")]
    assert long == []
    assert all("\n" not in text for text in import_spec.descriptions(full) if text not in ours)


def test_every_imported_operation_links_to_it_in_skyportals_api_docs(full, overlay):
    for path, method, operation in operations(full):
        if method in overlay["paths"].get(path, {}):
            continue
        url = operation["externalDocs"]["url"]
        assert url.startswith((f"{SKYPORTAL_API_DOCS}#tag/", f"{SKYPORTAL_API_DOCS}#/paths/")), url
        # SkyPortal's page names the path as SkyPortal wrote it, regex leftovers and ignored segments and all.
        linked_path, linked_method = _linked(operation)
        assert linked_method == method and linked_path.replace(")?", "").removesuffix("/{_}").rstrip("/") == path, url
    links = import_spec.operation_docs_url("/api/sources/{obj_id}/spectra", "get", ["spectra", "sources"])
    assert links == f"{SKYPORTAL_API_DOCS}#tag/spectra/paths/~1api~1sources~1%7Bobj_id%7D~1spectra/get"
    assert import_spec.operation_docs_url("/api/sysinfo", "get", ["system info"]).endswith(
        "#tag/system-info/paths/~1api~1sysinfo/get")
    assert import_spec.operation_docs_url("/api/x", "get", []) == f"{SKYPORTAL_API_DOCS}#/paths/~1api~1x/get"


def _minimal(**operation):
    return {"openapi": "3.0.2", "info": {"title": "t", "version": "1"},
            "paths": {"/api/thing": {"get": {"tags": ["things"], "responses": {"200": {}}, **operation}}},
            "components": {"schemas": {}}}


def test_a_defect_no_rule_knows_fails_the_import_naming_it(monkeypatch):
    monkeypatch.setattr(import_spec, "LEFT_OUT", ())
    spec = _minimal(parameters=[{"in": "query", "name": "n", "schema": {"type": "frobnicate"}}])
    with pytest.raises(import_spec.SpecDefect, match="'frobnicate'"):
        import_spec.repaired(spec)
    spec = _minimal(parameters=[{"in": "elsewhere", "name": "n", "schema": {"type": "string"}}])
    with pytest.raises(import_spec.SpecDefect, match="GET /api/thing: parameter 'n' is 'in: elsewhere'"):
        import_spec.repaired(spec)


def test_a_left_out_duplicate_that_grows_its_own_definition_fails_the_import(monkeypatch):
    spec = _minimal()
    spec["paths"]["/api/thing/"] = copy.deepcopy(spec["paths"]["/api/thing"])
    monkeypatch.setattr(import_spec, "LEFT_OUT", (import_spec.LeftOut(
        "/api/thing/", "get", "duplicate", same_as=("/api/thing", "get")),))
    assert "/api/thing/" not in import_spec.repaired(copy.deepcopy(spec)).document["paths"]
    spec["paths"]["/api/thing/"]["get"]["parameters"] = [{"in": "query", "name": "new", "schema": {}}]
    with pytest.raises(import_spec.SpecDefect, match="no longer the same as GET /api/thing"):
        import_spec.repaired(spec)
