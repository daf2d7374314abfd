"""The record step of an upload: what is known of each chunk, kept in a manifest file.

A manifest is a JSON file holding, for one upload, each chunk's state and, once it
landed, its ids and upload_id.  It is replaced in one step at every change, so a
crash of either side leaves the old record or the new one, never half; running the
same upload with the same manifest sends only what has not landed, and ``rollback``
reads it to delete what the upload added.

A chunk's state only says "nothing of it is on the server" (PENDING) when nothing
was sent or the server refused it cleanly.  Once a request of it is under way it is
UNACKNOWLEDGED, and stays so until an answer says what came of it: whatever broke
the exchange, the points may be stored, and the next run settles the chunk.
"""

import json
import os
from typing import Any, Dict, List, Optional, Union

from skyportal_client._util.atomic_files import replace_atomically
from skyportal_client.exceptions import ManifestError

MANIFEST_FORMAT = "skyportal-client upload manifest"
MANIFEST_VERSION = 1

# A chunk's state in the manifest.
PENDING = "pending"                  # not sent, or refused cleanly: nothing of it is on the server
UNACKNOWLEDGED = "unacknowledged"    # a request went out and no clean answer came: it may have landed
LANDED = "landed"                    # acknowledged; "ids" and, for a POST, "upload_id" are set
ROLLED_BACK = "rolled_back"          # its points were deleted by rollback


# A manifest's path.
ManifestPath = Union[str, "os.PathLike[str]"]


class UploadRecord:
    """The manifest of one upload, in memory, and in a file when it has a ``path``.

    ``chunks`` holds one dict per chunk of the plan: obj_id, rows, digest, state,
    sent_with ("post" or "put"), ids and upload_id.
    """

    def __init__(self, state: Dict[str, Any], path: Optional[str] = None):
        self.state = state
        self.path = path

    @classmethod
    def for_upload(cls, path: Optional[str], chunks: List[Any], row_count: int, method: str,
                   host: str) -> "UploadRecord":
        """The record for uploading ``chunks`` (the plan's): the one in the manifest at
        ``path`` if that describes this upload, else a new one (written there at once).

        Raises ManifestError when the manifest is for other data, another method or
        server, or an upload that was rolled back.
        """
        if path is None or not os.path.exists(path):
            record = cls({
                "format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "host": host, "method": method,
                "rows": row_count,
                "chunks": [{"obj_id": chunk.obj_id, "rows": len(chunk.rows), "digest": chunk.digest,
                            "state": PENDING, "sent_with": None, "ids": [], "upload_id": None}
                           for chunk in chunks],
            }, path)
            record.save()
            return record
        state = load_manifest(path, host)
        if any(entry["state"] == ROLLED_BACK for entry in state["chunks"]):
            raise ManifestError(f"{path} records an upload that was rolled back: use a new manifest path to "
                                "upload again")
        if state["method"] != method:
            raise ManifestError(f"{path} records a {state['method'].upper()} upload, not {method.upper()}: "
                                f"use method={state['method']!r} to finish it, or a new manifest path")
        if [entry["digest"] for entry in state["chunks"]] != [chunk.digest for chunk in chunks]:
            raise ManifestError(f"{path} was written for other data or options: pass the same data, obj_id, "
                                "instrument_id, group_ids and chunk_size to finish that upload, or a new manifest "
                                "path to start another")
        return cls(state, path)

    @property
    def method(self) -> str:
        return self.state["method"]

    @property
    def chunks(self) -> List[Dict[str, Any]]:
        return self.state["chunks"]

    def rows_in(self, *states: str) -> int:
        """How many points are in the chunks of these states."""
        return sum(entry["rows"] for entry in self.chunks if entry["state"] in states)

    def save(self) -> None:
        """Write the record to its manifest file, if it has one."""
        if self.path is not None:
            write_manifest(self.path, self.state)


def load_manifest(path: ManifestPath, host: Optional[str] = None) -> Dict[str, Any]:
    """The manifest at ``path`` as a dict; ManifestError if it is not one, or is for a host other than ``host``."""
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError) as error:
        raise ManifestError(f"Cannot read the upload manifest {path}: {error}") from None
    if not isinstance(state, dict) or state.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"{path} is not an upload manifest written by skyportal_client")
    if state.get("version") != MANIFEST_VERSION:
        raise ManifestError(f"{path} is a version {state.get('version')} manifest; this client reads version "
                            f"{MANIFEST_VERSION}")
    missing = [key for key in ("host", "method", "rows", "chunks") if key not in state]
    if missing:
        raise ManifestError(f"{path} lacks {', '.join(missing)}: it was not written whole by skyportal_client")
    if host is not None and state["host"] != host:
        raise ManifestError(f"{path} records an upload to {state['host']}, not to {host}: "
                            "point the client at that server")
    return state


def write_manifest(path: ManifestPath, state: Dict[str, Any]) -> None:
    """Replace the manifest at ``path`` in one step: a crash leaves the old one or the new one, never half."""
    replace_atomically(os.fspath(path), json.dumps(state, separators=(",", ":")).encode())  # dumps: C-speed, unlike dump
