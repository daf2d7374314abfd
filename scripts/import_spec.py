"""Turns SkyPortal's own OpenAPI document into ours: the whole API, repaired until it validates, with
our curated operations laid over it.

    python -m scripts.import_spec SKYPORTAL_SPEC.json [--overlay openapi.yaml] [--output openapi-full.yaml]

What is kept of SkyPortal's document: its structure (paths, methods, parameters, bodies, schemas,
enums) and each operation's one-line summary. What is not: SkyPortal's longer prose. A description
longer than one short line is dropped; an operation's becomes a link to that operation in SkyPortal's
API documentation, which every imported operation also carries as its ``externalDocs``.

SkyPortal's document does not validate as it comes. Each mechanical repair is a named rule in
``REPAIRS`` that counts the places it fixed; the importer prints the counts. A spec with a defect
no rule knows fails the import with the place named, rather than being passed on half-repaired.

Then the overlay: the operations of our hand-kept ``openapi.yaml`` replace SkyPortal's definitions of
them whole (operation objects, parameters, bodies, answers, our ``x-`` extensions), and its
components keep their names; where SkyPortal has a schema of the same name, ours replaces it.
"""

import argparse
import copy
import difflib
import hashlib
import http
import json
import pathlib
import re
import sys
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import yaml

Document = Dict[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# SkyPortal's API documentation is a Redoc page of this same document.
SKYPORTAL_API_DOCS = "https://skyportal.io/docs/api.html"
# Longer than this (or more than one paragraph) is SkyPortal's prose, not a one-line fact.
ONE_LINE = 120

# Maps whose keys are names (of fields, paths, media types, status codes...), never keywords: a field
# called "description" or "type" is not a description or a type.
_NAME_MAPS = frozenset({"properties", "paths", "schemas", "content", "responses", "securitySchemes",
                        "requestBodies", "parameters", "headers", "links", "callbacks", "encoding",
                        "variables", "mapping"})
# Keys whose values are data (examples, defaults, enum members), not parts of the document.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum"})
_OPERATION_KEYS = frozenset({"tags", "summary", "description", "externalDocs", "operationId", "parameters",
                             "requestBody", "responses", "callbacks", "deprecated", "security", "servers"})
_PARAMETER_LOCATIONS = ("query", "header", "path", "cookie")
# Schema keywords SkyPortal sometimes writes on the parameter object instead of its schema.
_PARAMETER_SCHEMA_KEYWORDS = ("type", "items", "enum", "format", "default", "minimum", "maximum",
                              "additionalProperties")
# SkyPortal's docstrings name Python's types, or say it in words, where JSON Schema has a type name.
_TYPE_NAMES: Dict[str, Dict[str, Any]] = {
    "bool": {"type": "boolean"},
    "str": {"type": "string"},
    "tag": {"type": "string"},
    "dict": {"type": "object"},
    "list": {"type": "array"},
    "list of integers": {"type": "array", "items": {"type": "integer"}},
    # A string, not format date-time: that would make the SDK ask for a datetime where SkyPortal parses text.
    "ISO UTC date string": {"type": "string"},
    "string or dict": {"oneOf": [{"type": "string"}, {"type": "object"}]},
}
_SCHEMA_KEYWORDS = frozenset({
    "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
    "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum", "type",
    "allOf", "oneOf", "anyOf", "not", "items", "properties", "additionalProperties", "description", "format",
    "default", "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example",
    "deprecated", "$ref"})
_JSON_SCHEMA_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})
# An operation SkyPortal declares without an answer still answers with its envelope.
_ENVELOPE_RESPONSE = {"description": "OK", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}}


class SpecDefect(Exception):
    """SkyPortal's document has a defect no repair rule knows, or a left-out route is no longer what it was."""


def method_name(path: str, method: str) -> str:
    """The SDK method of an operation, from its path and HTTP method (the seed's rule).

    ``/api/photometry/{photometry_id}`` GET is ``api_photometry_photometry_id_get``: the path's words
    in order, camelCase words split, joined by underscores, then the method.
    """
    words = re.findall(r"[0-9A-Za-z]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", path))
    return "_".join(words + [method]).lower()


def operation_docs_url(path: str, method: str, tags: List[str]) -> str:
    """The operation's place on SkyPortal's API page, Redoc's anchor ``tag/<tag>/paths/<JSON pointer>/<method>``.

    Redoc files an operation without an operationId under its first tag, as the tag's slug (spaces
    become hyphens) followed by the JSON pointer of the operation; an operation without tags has the
    pointer alone. The braces of path parameters are percent-encoded, which Redoc decodes.
    """
    pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
    anchor = f"tag/{re.sub(r'[ ]+', '-', tags[0].strip())}{pointer}" if tags else pointer
    return f"{SKYPORTAL_API_DOCS}#" + urllib.parse.quote(anchor, safe="/~-_.")


def operations(doc: Document) -> Iterator[Tuple[str, str, Dict[str, Any]]]:
    """Every (path, method, operation) of a document: paths in its order, methods in ``HTTP_METHODS`` order."""
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _objects(node: Any, name_map: bool = False) -> Iterator[Dict[str, Any]]:
    """Every keyword object (schema, parameter, response, ...) under ``node``; not name maps, not data."""
    if isinstance(node, dict):
        if not name_map:
            yield node
        for key, value in list(node.items()):
            if name_map:
                yield from _objects(value)
            elif key not in _DATA_KEYS and not key.startswith("x-"):
                yield from _objects(value, key in _NAME_MAPS and isinstance(value, dict))
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def descriptions(doc: Document) -> Iterator[str]:
    """Every description in a document (not the fields that happen to be called ``description``)."""
    for obj in _objects(doc):
        if isinstance(obj.get("description"), str):
            yield obj["description"]


def _parameters(doc: Document) -> Iterator[Tuple[str, str, Dict[str, Any], Dict[str, Any]]]:
    for path, method, operation in operations(doc):
        for parameter in operation.get("parameters", []):
            yield path, method, operation, parameter


def _where(path: str, method: str, what: str = "") -> str:
    return f"{method.upper()} {path}" + (f" {what}" if what else "")


# ---------------------------------------------------------------- the repairs, in the order they run

def repair_path_regex_remnants(doc: Document) -> int:
    """Leftovers of the route's regular expression in a path (``/api/brokers/{broker_id})?``, ``/api/brokers/)?``)
    are removed, and so is the trailing slash that leaves."""
    fixed = 0
    paths = {}
    for path, item in doc["paths"].items():
        clean = path.replace(")?", "").replace("(", "")
        clean = clean.rstrip("/") if clean != path else clean
        if clean in doc["paths"] and clean != path:
            raise SpecDefect(f"{path} is {clean} with regex leftovers, and {clean} is in the spec too")
        paths[clean] = item
        fixed += clean != path
    doc["paths"] = paths
    return fixed


def repair_ignored_path_segments(doc: Document) -> int:
    """A last path segment ``{_}`` (the handler's ignored argument, an optional segment of its route) is dropped
    with its parameter: ``/api/candidates/scan_reports/{report_id}/items/{_}`` GET lists the items."""
    fixed = 0
    paths = {}
    for path, item in doc["paths"].items():
        if "{_}" in path:
            if not path.endswith("/{_}") or path[:-4] in doc["paths"]:
                raise SpecDefect(f"{path}: an ignored parameter '{{_}}' that is not an optional last segment")
            for method in [m for m in HTTP_METHODS if m in item]:
                item[method]["parameters"] = [p for p in item[method].get("parameters", []) if p.get("name") != "_"]
            path = path[:-4]
            fixed += 1
        paths[path] = item
    doc["paths"] = paths
    return fixed


def repair_operation_stray_keys(doc: Document) -> int:
    """Keys that are not part of an operation object (e.g. SkyPortal's empty ``parameter``) are removed."""
    fixed = 0
    for _, _, operation in operations(doc):
        for key in [k for k in operation if k not in _OPERATION_KEYS and not k.startswith("x-")]:
            del operation[key]
            fixed += 1
    return fixed


def repair_parameter_location_typos(doc: Document) -> int:
    """A parameter location that is a misspelling of one (``qyert``) becomes the location it spells."""
    fixed = 0
    for path, method, _, parameter in _parameters(doc):
        where = parameter.get("in")
        if where in _PARAMETER_LOCATIONS or where == "body":
            continue
        close = difflib.get_close_matches(str(where), _PARAMETER_LOCATIONS, n=1, cutoff=0.6)
        if not close:
            raise SpecDefect(f"{_where(path, method)}: parameter {parameter.get('name')!r} is 'in: {where}'")
        parameter["in"] = close[0]
        fixed += 1
    return fixed


def repair_parameter_nullable(doc: Document) -> int:
    """``nullable`` on a parameter object (not allowed there) moves into the parameter's schema."""
    fixed = 0
    for _, _, _, parameter in _parameters(doc):
        if "nullable" in parameter:
            nullable = parameter.pop("nullable")
            if nullable:
                parameter.setdefault("schema", {})["nullable"] = True
            fixed += 1
    return fixed


def repair_parameter_schema_keywords(doc: Document) -> int:
    """Schema keywords written on a parameter object (``type``, ``items``, ``default``...) move into its schema."""
    fixed = 0
    for _, _, _, parameter in _parameters(doc):
        misplaced = [key for key in _PARAMETER_SCHEMA_KEYWORDS if key in parameter]
        if misplaced:
            schema = parameter.setdefault("schema", {})
            for key in misplaced:
                schema.setdefault(key, parameter.pop(key))
            fixed += 1
    return fixed


def repair_body_parameters(doc: Document) -> int:
    """OpenAPI 2's ``in: body`` parameters become the fields of the operation's JSON request body."""
    fixed = 0
    for path, method, operation in operations(doc):
        body = [p for p in operation.get("parameters", []) if p.get("in") == "body"]
        if not body:
            continue
        if "requestBody" in operation:
            raise SpecDefect(f"{_where(path, method)} has both a request body and 'in: body' parameters")
        operation["parameters"] = [p for p in operation["parameters"] if p.get("in") != "body"]
        if not operation["parameters"]:
            del operation["parameters"]
        schema: Dict[str, Any] = {"type": "object", "properties": {}}
        for parameter in body:
            field = dict(parameter.get("schema", {}))
            if "description" in parameter:
                field.setdefault("description", parameter["description"])
            schema["properties"][parameter["name"]] = field
            if parameter.get("required"):
                schema.setdefault("required", []).append(parameter["name"])
        operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        fixed += len(body)
    return fixed


def repair_query_parameter_style(doc: Document) -> int:
    """``style: simple`` (for paths and headers) on a query parameter becomes ``form``: with ``explode: false``
    both send a list as one comma-separated value, as SkyPortal reads it."""
    fixed = 0
    for _, _, _, parameter in _parameters(doc):
        if parameter.get("in") == "query" and parameter.get("style") == "simple":
            parameter["style"] = "form"
            parameter.setdefault("explode", False)
            fixed += 1
    return fixed


def _schemas(doc: Document) -> Iterator[Dict[str, Any]]:
    """Every keyword object under the paths and the component schemas."""
    yield from _objects(doc["paths"])
    yield from _objects(doc["components"]["schemas"], name_map=True)


def _contents(doc: Document) -> Iterator[Dict[str, Any]]:
    """Every ``content`` map (media type to body or answer) of the operations."""
    for obj in _objects(doc["paths"]):
        if isinstance(obj.get("content"), dict):
            yield obj["content"]


def repair_required_flags(doc: Document) -> int:
    """``required: true/false`` on a field's schema (JSON Schema lists required fields on the object) moves
    into the object's ``required`` list, or goes when false."""
    fixed = 0
    for obj in _schemas(doc):
        properties = obj.get("properties")
        if not isinstance(properties, dict):
            continue
        for name, field in properties.items():
            if isinstance(field, dict) and isinstance(field.get("required"), bool):
                if field.pop("required") and name not in obj.setdefault("required", []):
                    obj["required"].append(name)
                fixed += 1
    return fixed


def repair_misnested_fields(doc: Document) -> int:
    """A field written inside another field's schema, among its keywords (an indentation slip in a
    docstring), becomes the sibling field it was meant to be."""
    fixed = 0
    for obj in _schemas(doc):
        properties = obj.get("properties")
        if not isinstance(properties, dict):
            continue
        for field in list(properties.values()):
            if not isinstance(field, dict):
                continue
            for key in [k for k, v in field.items() if k not in _SCHEMA_KEYWORDS and not k.startswith("x-")
                        and isinstance(v, dict) and ("type" in v or "properties" in v)]:
                if key in properties:
                    raise SpecDefect(f"field {key!r} is written twice, once inside another field")
                properties[key] = field.pop(key)
                fixed += 1
    return fixed


def repair_schema_const(doc: Document) -> int:
    """``const`` (JSON Schema, not OpenAPI 3.0) becomes the one-value ``enum`` OpenAPI 3.0 says it with."""
    fixed = 0
    for obj in _schemas(doc):
        if "const" in obj:
            obj["enum"] = [obj.pop("const")]
            fixed += 1
    return fixed


def repair_null_defaults(doc: Document) -> int:
    """``default: null`` (what SkyPortal's body models write for an optional field) is removed: without a
    default nothing is sent either, and the generator refuses a null default on an object or array."""
    fixed = 0
    for obj in _schemas(doc):
        if "default" in obj and obj["default"] is None:
            del obj["default"]
            fixed += 1
    return fixed


def repair_null_enum_members(doc: Document) -> int:
    """``null`` among a nullable schema's ``enum`` members is removed: ``nullable`` already admits it, and the
    generator cannot render a null member."""
    fixed = 0
    for obj in _schemas(doc):
        if isinstance(obj.get("enum"), list) and None in obj["enum"]:
            obj["enum"] = [member for member in obj["enum"] if member is not None]
            obj["nullable"] = True
            fixed += 1
            if not obj["enum"]:
                del obj["enum"]
    return fixed


def repair_enum_placeholders(doc: Document) -> int:
    """An ``enum`` that is not a list (a placeholder such as ``{list(role_acls): null}``) is removed."""
    fixed = 0
    for obj in _schemas(doc):
        if "enum" in obj and not isinstance(obj["enum"], list):
            del obj["enum"]
            fixed += 1
    return fixed


def repair_media_type_schema_keywords(doc: Document) -> int:
    """Schema keywords written beside a media type's ``schema`` (``properties``) are joined to it with allOf."""
    fixed = 0
    for content in _contents(doc):
        for media in content.values():
            stray = {key: media.pop(key) for key in list(media) if key in ("properties", "type", "items")}
            if stray:
                stray.setdefault("type", "object")
                media["schema"] = {"allOf": [media["schema"], stray]} if "schema" in media else stray
                fixed += 1
    return fixed


def repair_type_names(doc: Document) -> int:
    """Type names that are Python's (``bool``, ``list``) or words (``list of integers``) become JSON Schema's."""
    fixed = 0
    for obj in _schemas(doc):
        kind = obj.get("type")
        if not isinstance(kind, str) or kind in _JSON_SCHEMA_TYPES:
            continue
        if kind not in _TYPE_NAMES:
            raise SpecDefect(f"type {kind!r} is not a JSON Schema type and no rule says which it means")
        del obj["type"]
        for key, value in _TYPE_NAMES[kind].items():
            obj.setdefault(key, copy.deepcopy(value))
        fixed += 1
    return fixed


def repair_array_items(doc: Document) -> int:
    """An array schema without ``items`` (which OpenAPI 3.0 requires) gets ``items: {}``: any element."""
    fixed = 0
    for obj in _objects(doc):
        if obj.get("type") == "array" and "items" not in obj:
            obj["items"] = {}
            fixed += 1
    return fixed


def repair_media_types(doc: Document) -> int:
    """A media type without a subtype (``application``) becomes ``application/octet-stream``: bytes."""
    fixed = 0
    for content in _contents(doc):
        for media_type in [m for m in content if "/" not in m]:
            if media_type != "application":
                raise SpecDefect(f"media type {media_type!r} has no subtype and no rule says which")
            content["application/octet-stream"] = content.pop(media_type)
            fixed += 1
    return fixed


def repair_operation_responses(doc: Document) -> int:
    """An operation without ``responses`` (required) is given SkyPortal's envelope as its 200 answer."""
    fixed = 0
    for _, _, operation in operations(doc):
        if not operation.get("responses"):
            operation["responses"] = {"200": copy.deepcopy(_ENVELOPE_RESPONSE)}
            fixed += 1
    return fixed


def repair_response_descriptions(doc: Document) -> int:
    """A response without ``description`` (required) is described by its status's reason phrase."""
    fixed = 0
    for _, _, operation in operations(doc):
        for status, response in operation["responses"].items():
            if "description" not in response and "$ref" not in response:
                response["description"] = http.HTTPStatus(int(status)).phrase if status.isdigit() else "Answer"
                fixed += 1
    return fixed


def repair_untagged_operations(doc: Document) -> int:
    """An operation without tags is filed under the tag its path's resource names (``photometric_series``)."""
    known = {tag for _, _, operation in operations(doc) for tag in operation.get("tags", [])}
    fixed = 0
    for path, method, operation in operations(doc):
        if operation.get("tags"):
            continue
        resource = path.split("/")[2].replace("_", " ")
        tag = next((t for t in (resource, resource + "s") if t in known), None)
        if tag is None:
            raise SpecDefect(f"{_where(path, method)} has no tags and no tag is named after {resource!r}")
        operation["tags"] = [tag]
        fixed += 1
    return fixed


REPAIRS: Tuple[Tuple[str, Callable[[Document], int]], ...] = (
    ("path-regex-remnants", repair_path_regex_remnants),
    ("ignored-path-segments", repair_ignored_path_segments),
    ("operation-stray-keys", repair_operation_stray_keys),
    ("parameter-location-typos", repair_parameter_location_typos),
    ("parameter-nullable", repair_parameter_nullable),
    ("parameter-schema-keywords", repair_parameter_schema_keywords),
    ("body-parameters", repair_body_parameters),
    ("query-parameter-style", repair_query_parameter_style),
    ("required-flags", repair_required_flags),
    ("misnested-fields", repair_misnested_fields),
    ("schema-const", repair_schema_const),
    ("null-defaults", repair_null_defaults),
    ("enum-placeholders", repair_enum_placeholders),
    ("null-enum-members", repair_null_enum_members),
    ("media-type-schema-keywords", repair_media_type_schema_keywords),
    ("type-names", repair_type_names),
    ("array-items", repair_array_items),
    ("media-types", repair_media_types),
    ("operation-responses", repair_operation_responses),
    ("response-descriptions", repair_response_descriptions),
    ("untagged-operations", repair_untagged_operations),
)


# ---------------------------------------------------------------- routes left out

@dataclass(frozen=True)
class LeftOut:
    """A route of SkyPortal's document the SDK does not get a method for, and why.

    ``same_as`` names the operation this one duplicates; the import checks that it still does
    (ignoring the path parameters the duplicate adds), so a route that grows into its own
    operation fails the import instead of vanishing silently.
    """

    path: str
    method: str
    reason: str
    same_as: Optional[Tuple[str, str]] = None


_PAGE = "a web page for browsers (its answer is HTML, not JSON), not an API operation"
_SPECTRUM_ALIAS = "alias of {} (SkyPortal serves both paths with one handler): one method serves both"
LEFT_OUT: Tuple[LeftOut, ...] = (
    LeftOut("/api/candidates/", "post", "duplicate of POST /api/candidates, written with a trailing slash",
            same_as=("/api/candidates", "post")),
    LeftOut("/api/{associated_resource_type}/{resource_id}/comments/{ignore_args}", "post",
            "duplicate of POST /api/{associated_resource_type}/{resource_id}/comments: the handler ignores "
            "the extra path segment", same_as=("/api/{associated_resource_type}/{resource_id}/comments", "post")),
    *(LeftOut("/api/spectrum" + tail, method, _SPECTRUM_ALIAS.format(f"{method.upper()} /api/spectra{tail}"),
              same_as=("/api/spectra" + tail, method))
      for tail, method in (("", "get"), ("", "post"), ("/{spectrum_id}", "get"), ("/{spectrum_id}", "put"),
                           ("/{spectrum_id}", "delete"), ("/parse/ascii", "post"), ("/ascii", "post"),
                           ("/range", "get"))),
    LeftOut("/public/sources/{source_id}/{version_hash}//", "get", _PAGE),
    LeftOut("/public/sources/{source_id}/{version_hash}///", "get", _PAGE),
    LeftOut("/public/releases", "get", _PAGE),
    LeftOut("/public/releases/{link_name}", "get", _PAGE),
    LeftOut("/public/releases/{release_name}/sources/{source_id}/version/{version_hash}", "get", _PAGE),
)


def _without_path_parameters(operation: Dict[str, Any], names: set) -> Dict[str, Any]:
    kept = dict(operation)
    kept["parameters"] = [p for p in operation.get("parameters", [])
                          if not (p.get("in") == "path" and p.get("name") in names)]
    return kept


def leave_out_routes(doc: Document) -> List[LeftOut]:
    """Removes the ``LEFT_OUT`` operations after checking each is still what its reason says."""
    for route in LEFT_OUT:
        item = doc["paths"].get(route.path, {})
        operation = item.get(route.method)
        if operation is None:
            raise SpecDefect(f"{_where(route.path, route.method)} is listed as left out but is not in the spec")
        if route.same_as:
            other_path, other_method = route.same_as
            other = doc["paths"][other_path][other_method]
            extra = set(re.findall(r"{(\w+)}", route.path)) - set(re.findall(r"{(\w+)}", other_path))
            if _without_path_parameters(operation, extra) != _without_path_parameters(other, set()):
                raise SpecDefect(f"{_where(route.path, route.method)} is no longer the same as "
                                   f"{_where(other_path, other_method)}: give it its own method")
        elif any("application/json" in answer.get("content", {})
                 for status, answer in operation.get("responses", {}).items() if status.startswith("2")):
            raise SpecDefect(f"{_where(route.path, route.method)} now answers JSON: it is not only a page")
        del item[route.method]
        if not any(method in item for method in HTTP_METHODS):
            del doc["paths"][route.path]
    return list(LEFT_OUT)


# ---------------------------------------------------------------- prose, names, schemas

def _one_line(text: str) -> Optional[str]:
    """The text as one line if it is a short one-paragraph fact; None if it is prose."""
    if re.search(r"\n\s*\n", text.strip()):
        return None
    line = " ".join(text.split())
    return line if len(line) <= ONE_LINE else None


def link_operations(doc: Document) -> None:
    """Every operation links to its place in SkyPortal's API docs, found by the path and tags SkyPortal gave it."""
    for path, method, operation in operations(doc):
        url = operation_docs_url(path, method, operation.get("tags", []))
        operation["externalDocs"] = {"description": "This operation in SkyPortal's API documentation", "url": url}


def drop_long_prose(doc: Document) -> int:
    """SkyPortal's longer descriptions go; an operation's becomes the link to it in SkyPortal's API docs."""
    dropped = 0
    for _, _, operation in operations(doc):
        url = operation["externalDocs"]["url"]
        text = operation.get("description")
        if isinstance(text, str):
            line = _one_line(text)
            operation["description"] = line if line is not None else f"See SkyPortal's API documentation: {url}"
            dropped += line is None
    for objects in [_objects(doc["paths"])] + [_objects(named, name_map=True) for named in doc["components"].values()]:
        for node in objects:
            text = node.get("description")
            if isinstance(text, str) and "externalDocs" not in node and "url" not in node:
                line = _one_line(text)
                if line is None:
                    del node["description"]
                    dropped += 1
                elif line != text:
                    node["description"] = line
    return dropped


def name_operations(doc: Document) -> None:
    for path, item in doc["paths"].items():
        for method in [m for m in HTTP_METHODS if m in item]:
            item[method] = {"operationId": method_name(path, method), **item[method]}


def _schema_refs(node: Any) -> set:
    return set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(node)))


def prune_unreferenced_schemas(doc: Document, keep: set) -> int:
    """Schemas no operation reaches (SkyPortal's builder lists every model it has) are not kept."""
    schemas = doc["components"]["schemas"]
    reached = _schema_refs({k: v for k, v in doc.items() if k != "components"}) | _schema_refs(
        {k: v for k, v in doc["components"].items() if k != "schemas"}) | keep
    todo = list(reached)
    while todo:
        for name in _schema_refs(schemas.get(todo.pop(), {})) - reached:
            reached.add(name)
            todo.append(name)
    unreached = [name for name in schemas if name not in reached]
    for name in unreached:
        del schemas[name]
    return len(unreached)


# ---------------------------------------------------------------- the whole import

@dataclass
class Imported:
    document: Document
    repairs: Dict[str, int]
    left_out: List[LeftOut]
    overlay_replaced: List[str]


def repaired(upstream: Document) -> Imported:
    """SkyPortal's document repaired, its routes left out, its prose dropped and its operations named."""
    doc = copy.deepcopy(upstream)
    left_out = leave_out_routes(doc)
    link_operations(doc)
    counts = {name: rule(doc) for name, rule in REPAIRS}
    counts["long-prose"] = drop_long_prose(doc)
    name_operations(doc)
    return Imported(doc, counts, left_out, [])


def import_spec(upstream: Document, overlay: Document, upstream_name: str, upstream_digest: str) -> Imported:
    """The full document: SkyPortal's, repaired, with our overlay's operations and components on top."""
    result = repaired(upstream)
    doc = result.document
    for path, item in overlay["paths"].items():
        if path not in doc["paths"]:
            raise SpecDefect(f"the overlay's {path} is not in SkyPortal's document")
        doc["paths"][path].update(copy.deepcopy(item))
    components = doc["components"]
    for kind, named in overlay["components"].items():
        existing = components.setdefault(kind, {})
        result.overlay_replaced += [f"{kind}/{name}" for name in named if name in existing]
        existing.update(copy.deepcopy(named))
    result.repairs["unreferenced-schemas"] = prune_unreferenced_schemas(
        doc, set(overlay["components"].get("schemas", {})))
    tags = {tag["name"]: tag for tag in overlay.get("tags", [])}
    for _, _, operation in operations(doc):
        for tag in operation.get("tags", []):
            tags.setdefault(tag, {"name": tag})
    result.document = {
        "openapi": overlay["openapi"],
        "info": {
            "title": "SkyPortal API",
            "description": "Every operation of a SkyPortal server such as Fritz, from SkyPortal's own OpenAPI "
                           "document, with the operations this SDK curates as they are described in openapi.yaml.",
            "version": upstream["info"]["version"],
            "license": overlay["info"]["license"],
        },
        "externalDocs": {"description": "SkyPortal's API documentation", "url": SKYPORTAL_API_DOCS},
        "servers": overlay["servers"],
        "security": overlay["security"],
        "tags": list(tags.values()),
        "paths": doc["paths"],
        "components": components,
        "x-imported-from": {"file": upstream_name, "sha256": upstream_digest},
        "x-left-out": [{"path": r.path, "method": r.method, "reason": r.reason} for r in result.left_out],
    }
    return result


class _PlainDumper(yaml.SafeDumper):
    """Writes every value in full: no anchors, which the generator's YAML reader would not resolve."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


HEADER = """\
# SkyPortal's whole API, written by scripts/import_spec.py: do not edit by hand.
# SkyPortal's own OpenAPI document, repaired (the rules are in the script), with the operations
# curated in openapi.yaml laid over it. Routes left out, and why, are under x-left-out.
"""


def dump(doc: Document) -> str:
    return HEADER + yaml.dump(doc, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=110)


def run(upstream_path: pathlib.Path, overlay_path: pathlib.Path) -> Tuple[Imported, str]:
    raw = upstream_path.read_bytes()
    overlay = yaml.safe_load(overlay_path.read_text())
    result = import_spec(json.loads(raw), overlay, upstream_path.name, hashlib.sha256(raw).hexdigest())
    return result, dump(result.document)


def report(result: Imported) -> str:
    lines = ["Repairs (places fixed):"]
    lines += [f"  {name:<28} {count}" for name, count in result.repairs.items()]
    lines.append(f"Routes left out: {len(result.left_out)}")
    lines += [f"  {r.method.upper():<6} {r.path}: {r.reason}" for r in result.left_out]
    lines.append(f"Overlay replaced SkyPortal's {', '.join(result.overlay_replaced) or 'nothing'}")
    lines.append(f"Operations: {sum(1 for _ in operations(result.document))}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", type=pathlib.Path, help="SkyPortal's OpenAPI document (JSON)")
    parser.add_argument("--overlay", type=pathlib.Path, default=pathlib.Path("openapi.yaml"))
    parser.add_argument("--output", type=pathlib.Path, default=pathlib.Path("openapi-full.yaml"))
    args = parser.parse_args(argv)
    try:
        result, text = run(args.upstream, args.overlay)
    except SpecDefect as problem:
        print(f"import_spec: {problem}", file=sys.stderr)
        return 1
    args.output.write_text(text)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
