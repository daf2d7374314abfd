"""What changed between two SkyPortal API documents, as a CHANGELOG section.

    python -m scripts.spec_diff OLD NEW

OLD and NEW are SkyPortal's own documents (JSON) or documents written by import_spec (YAML); either
way they are compared as imported, so SkyPortal's repairs and the routes left out do not show up
as changes. Listed: operations added and removed, parameters added, removed or retyped, schemas
added, removed or changed.
"""

import argparse
import json
import pathlib
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import yaml

from scripts.import_spec import Document, operations, repaired

Operation = Tuple[str, str]   # (path, method)


def as_imported(doc: Document) -> Document:
    """A document as import_spec writes it; SkyPortal's own is imported first (without our overlay)."""
    return doc if "x-imported-from" in doc else repaired(doc).document


def type_of(schema: Dict[str, Any]) -> str:
    """A parameter's type in words: ``integer``, ``array of string``, ``string (date-time)``, ``Group``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for choice in ("oneOf", "anyOf"):
        if choice in schema:
            return " or ".join(type_of(option) for option in schema[choice])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


@dataclass
class OperationChange:
    operation_id: str
    added: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)
    retyped: List[Tuple[str, str, str]] = field(default_factory=list)   # (parameter, old type, new type)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.retyped)


@dataclass
class SpecDiff:
    old_version: str
    new_version: str
    added: List[Operation]
    removed: List[Operation]
    changed: Dict[Operation, OperationChange]
    schemas_added: List[str]
    schemas_removed: List[str]
    schemas_changed: List[str]


def _parameters(operation: Dict[str, Any]) -> Dict[Tuple[str, str], Dict[str, Any]]:
    return {(p["name"], p["in"]): p for p in operation.get("parameters", [])}


def _label(key: Tuple[str, str], parameter: Dict[str, Any]) -> str:
    return f"`{key[0]}` ({key[1]}, {type_of(parameter.get('schema', {}))})"


def compare(old: Document, new: Document) -> SpecDiff:
    old, new = as_imported(old), as_imported(new)
    before = {(path, method): op for path, method, op in operations(old)}
    after = {(path, method): op for path, method, op in operations(new)}
    changed = {}
    for key in [k for k in after if k in before]:
        was, now = _parameters(before[key]), _parameters(after[key])
        change = OperationChange(after[key]["operationId"])
        change.added = [_label(name, now[name]) for name in now if name not in was]
        change.removed = [_label(name, was[name]) for name in was if name not in now]
        for name in [n for n in now if n in was]:
            old_type, new_type = type_of(was[name].get("schema", {})), type_of(now[name].get("schema", {}))
            if old_type != new_type:
                change.retyped.append((name[0], old_type, new_type))
        if change:
            changed[key] = change
    old_schemas, new_schemas = old["components"]["schemas"], new["components"]["schemas"]
    return SpecDiff(
        old_version=old["info"]["version"], new_version=new["info"]["version"],
        added=[k for k in after if k not in before], removed=[k for k in before if k not in after],
        changed=changed,
        schemas_added=[n for n in new_schemas if n not in old_schemas],
        schemas_removed=[n for n in old_schemas if n not in new_schemas],
        schemas_changed=[n for n in new_schemas if n in old_schemas and new_schemas[n] != old_schemas[n]])


def _operation(key: Operation) -> str:
    return f"`{key[1].upper()} {key[0]}`"


def changelog(diff: SpecDiff, title: Optional[str] = None, curated: FrozenSet[str] = frozenset()) -> str:
    """The differences as a Markdown section for CHANGELOG.md.

    ``curated`` names the operations openapi.yaml defines (see ``curated_operations``): the SDK keeps our
    definition of those, so their lines say that SkyPortal's change is not in the SDK by itself.
    """
    def name(change: OperationChange) -> str:
        kept = " (curated: the SDK keeps openapi.yaml's definition)" if change.operation_id in curated else ""
        return f"`{change.operation_id}`{kept}"

    lines = [f"### {title or f'SkyPortal API {diff.old_version} → {diff.new_version}'}", ""]

    def section(heading: str, items: List[str]) -> None:
        if items:
            lines.extend([f"#### {heading}", "", *items, ""])

    section("Operations added", [f"- {_operation(k)}" for k in diff.added])
    section("Operations removed", [f"- {_operation(k)}" for k in diff.removed])
    section(f"Parameters added or removed ({sum(1 for c in diff.changed.values() if c.added or c.removed)} operations)",
            [f"- {_operation(key)} {name(change)}: " + "; ".join(
                ([f"added {', '.join(change.added)}"] if change.added else [])
                + ([f"removed {', '.join(change.removed)}"] if change.removed else []))
             for key, change in diff.changed.items() if change.added or change.removed])
    section(f"Parameters retyped ({sum(1 for c in diff.changed.values() if c.retyped)} operations)",
            [f"- {_operation(key)} {name(change)}: " + "; ".join(
                f"`{parameter}` is now {new} (was {old})" for parameter, old, new in change.retyped)
             for key, change in diff.changed.items() if change.retyped])
    section("Schemas added", [f"- `{name}`" for name in diff.schemas_added])
    section("Schemas removed", [f"- `{name}`" for name in diff.schemas_removed])
    section("Schemas changed", [f"- `{name}`" for name in diff.schemas_changed])
    if len(lines) == 2:
        lines.extend(["No changes to operations, parameters or schemas.", ""])
    return "\n".join(lines)


def curated_operations(overlay: Document) -> FrozenSet[str]:
    """The operationIds of the operations our openapi.yaml defines."""
    return frozenset(operation["operationId"] for _, _, operation in operations(overlay))


def load(path: pathlib.Path) -> Document:
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=pathlib.Path)
    parser.add_argument("new", type=pathlib.Path)
    parser.add_argument("--overlay", type=pathlib.Path, default=pathlib.Path("openapi.yaml"),
                        help="our curated operations, marked in the list (default: openapi.yaml)")
    args = parser.parse_args(argv)
    curated = curated_operations(load(args.overlay)) if args.overlay.exists() else frozenset()
    print(changelog(compare(load(args.old), load(args.new)), curated=curated), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
