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

In memory a manifest is an ``UploadRecord`` of ``ChunkRecord``s, changed only by the
record's methods, each of which writes the file.  The file (version 1)::

    {"format": "skyportal-client upload manifest", "version": 1, "host": ..., "method": "post",
     "rows": <points in all>,
     "chunks": [{"obj_id": ..., "rows": <points in the chunk>, "digest": ..., "state": "landed",
                 "sent_with": "post", "ids": [...], "upload_id": ...}, ...]}
"""

import dataclasses
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from skyportal_client._util.versioned_json import VersionedJson
from skyportal_client.exceptions import ManifestError

# A chunk's state in the manifest.
PENDING = "pending"                  # not sent, or refused cleanly: nothing of it is on the server
UNACKNOWLEDGED = "unacknowledged"    # a request went out and no clean answer came: it may have landed
LANDED = "landed"                    # acknowledged; ids and, for a POST, upload_id are set
ROLLED_BACK = "rolled_back"          # its points were deleted by rollback

MANIFEST_FILE = VersionedJson(
    format="skyportal-client upload manifest", version=1, name="upload manifest", error=ManifestError,
    unreadable_fix="Pass the manifest= file of the upload (skyportal_client never leaves one half written)",
    foreign_fix="pass the manifest= file of an upload",
    version_fix="finish or roll back that upload with the skyportal_client version that wrote it")

# A manifest's path.
ManifestPath = Union[str, "os.PathLike[str]"]


@dataclasses.dataclass(frozen=True)
class ChunkRecord:
    """What is known of one chunk of an upload."""

    obj_id: str
    point_count: int  # how many points the chunk holds
    digest: str  # the chunk's (``Chunk.digest``), to recognise the same upload
    state: str = PENDING
    sent_with: Optional[str] = None  # "post" or "put", once it landed
    ids: Tuple[int, ...] = ()  # its points' ids, in the chunk's order, once it landed
    upload_id: Optional[str] = None  # once it landed by POST


@dataclasses.dataclass
class UploadRecord:
    """The manifest of one upload, in memory, and in a file when it has a ``path``.

    ``chunks`` holds a ChunkRecord per chunk of the plan, in its order; the methods
    ``sending``, ``refused``, ``landed`` and ``rolled_back`` change one and write the file.
    """

    host: str
    method: str  # "post" or "put"
    point_count: int  # how many points the upload holds
    chunks: List[ChunkRecord]
    path: Optional[str] = None

    @classmethod
    def for_upload(cls, path: Optional[ManifestPath], chunks: Sequence[Any], point_count: int, method: str,
                   host: str) -> "UploadRecord":
        """The record for uploading ``chunks`` (the plan's): the one in the manifest at
        ``path`` if that describes this upload, else a new one (written there at once).

        Raises ManifestError when the manifest is for other data, another method or
        server, or an upload that was rolled back.
        """
        if path is None or not os.path.exists(path):
            record = cls(host, method, point_count,
                         [ChunkRecord(chunk.obj_id, len(chunk.rows), chunk.digest) for chunk in chunks],
                         None if path is None else os.fspath(path))
            record._save()
            return record
        record = cls.load(path, host)
        if any(entry.state == ROLLED_BACK for entry in record.chunks):
            raise ManifestError(f"{path} records an upload that was rolled back: use a new manifest path to "
                                "upload again")
        if record.method != method:
            raise ManifestError(f"{path} records a {record.method.upper()} upload, not {method.upper()}: "
                                f"use method={record.method!r} to finish it, or a new manifest path")
        if [entry.digest for entry in record.chunks] != [chunk.digest for chunk in chunks]:
            raise ManifestError(f"{path} was written for other data or options: pass the same data, obj_id, "
                                "instrument_id, group_ids and chunk_size to finish that upload, or a new manifest "
                                "path to start another")
        return record

    @classmethod
    def load(cls, path: ManifestPath, host: Optional[str] = None) -> "UploadRecord":
        """The record in the manifest at ``path``; ManifestError if it is not one, or is for a
        host other than ``host``."""
        state = MANIFEST_FILE.read(path)
        missing = [key for key in ("host", "method", "rows", "chunks") if key not in state]
        if missing:
            raise ManifestError(f"{path} lacks {', '.join(missing)}: it was not written whole by skyportal_client")
        try:
            chunks = [ChunkRecord(entry["obj_id"], entry["rows"], entry["digest"], entry["state"],
                                  entry["sent_with"], tuple(entry["ids"]), entry["upload_id"])
                      for entry in state["chunks"]]
        except (KeyError, TypeError) as error:
            raise ManifestError(f"{path} has a chunk without {error}: it was not written whole by "
                                "skyportal_client") from None
        if host is not None and state["host"] != host:
            raise ManifestError(f"{path} records an upload to {state['host']}, not to {host}: "
                                "point the client at that server")
        return cls(state["host"], state["method"], state["rows"], chunks, os.fspath(path))

    def points_in(self, *states: str) -> int:
        """How many points are in the chunks of these states."""
        return sum(entry.point_count for entry in self.chunks if entry.state in states)

    def sending(self, index: int) -> None:
        """Chunk ``index`` is about to be sent: from now on it may land."""
        self._change(index, state=UNACKNOWLEDGED)

    def refused(self, index: int) -> None:
        """The server refused chunk ``index`` cleanly, or never saw it, and no earlier request of
        it may have landed: nothing of it is on the server."""
        self._change(index, state=PENDING)

    def landed(self, index: int, method: str, ids: Sequence[int], upload_id: Optional[str]) -> None:
        """Chunk ``index`` landed, sent with ``method``, its points stored as ``ids``
        (``upload_id``: a POST's, None for a PUT)."""
        self._change(index, state=LANDED, sent_with=method, ids=tuple(ids), upload_id=upload_id)

    def rolled_back(self, index: int) -> None:
        """The points of chunk ``index`` were deleted."""
        self._change(index, state=ROLLED_BACK)

    def _change(self, index: int, **changes: Any) -> None:
        self.chunks[index] = dataclasses.replace(self.chunks[index], **changes)
        self._save()

    def _save(self) -> None:
        if self.path is not None:
            MANIFEST_FILE.write(self.path, self._members())

    def _members(self) -> Dict[str, Any]:
        return {"host": self.host, "method": self.method, "rows": self.point_count,
                "chunks": [{"obj_id": entry.obj_id, "rows": entry.point_count, "digest": entry.digest,
                            "state": entry.state, "sent_with": entry.sent_with, "ids": list(entry.ids),
                            "upload_id": entry.upload_id} for entry in self.chunks]}
