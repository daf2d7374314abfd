"""JSON files that say what they are: a ``format`` naming their kind and the ``version`` of
its layout, both checked on reading; written in one step (``atomic_files``).

Each kind of file (an upload manifest, a light-curve cache's marker or sidecar) is one
``VersionedJson``: it names the error its owner raises and what to do about a file that
cannot be used, so that every message names the file, the problem and the fix.
"""

import dataclasses
import json
import os
from typing import Any, Dict, Mapping, Optional, Type, Union

from skyportal_client._util.atomic_files import replace_atomically
from skyportal_client.exceptions import ApiValueError

JsonPath = Union[str, "os.PathLike[str]"]


@dataclasses.dataclass(frozen=True)
class VersionedJson:
    """One kind of versioned JSON file: an object holding ``"format": format`` and
    ``"version": version`` beside its own members."""

    format: str  # the kind, as the file says it
    version: int  # the layout this client reads and writes
    name: str  # what such a file is, in a message: "upload manifest"
    error: Type[ApiValueError]  # raised for a file that cannot be used
    # What to do, as a message says it after the problem:
    unreadable_fix: str  # for a file that is not JSON, or is cut short
    foreign_fix: str  # for JSON that is not this kind of file
    version_fix: str  # for a file of another version
    indent: Optional[int] = None  # None: compact, for files written often

    def read(self, path: JsonPath) -> Dict[str, Any]:
        """The file at ``path`` as a dict (its ``format`` and ``version`` too); ``error`` when it
        cannot be read, is not this kind of file, or is of another version."""
        try:
            with open(path, "rb") as handle:
                content = json.loads(handle.read())
        except (OSError, ValueError) as error:
            raise self.error(f"Cannot read the {self.name} {os.fspath(path)}: {error}. {self.unreadable_fix}") \
                from None
        if not isinstance(content, dict) or content.get("format") != self.format:
            article = "an" if self.name[0] in "aeiou" else "a"
            raise self.error(f"{os.fspath(path)} is not {article} {self.name} written by skyportal_client: "
                             f"{self.foreign_fix}")
        if content.get("version") != self.version:
            raise self.error(f"{os.fspath(path)} is a version {content.get('version')} {self.name}; this client "
                             f"reads version {self.version}: {self.version_fix}")
        return content

    def write(self, path: JsonPath, members: Mapping[str, Any]) -> None:
        """Replace the file at ``path`` with one holding ``members``, in one step: a crash leaves
        the old file or the new one, never half."""
        content = {"format": self.format, "version": self.version, **members}
        # dumps, not dump: it writes at C speed
        text = json.dumps(content, indent=self.indent) + "\n" if self.indent is not None \
            else json.dumps(content, separators=(",", ":"))
        replace_atomically(os.fspath(path), text.encode("utf-8"))
