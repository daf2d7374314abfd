"""Undo a POST upload: delete every point it added, as its manifest records them.

Each chunk that landed by POST has an ``upload_id``, and goes in one bulk delete
(``PhotometryApi.api_photometry_bulk_delete_upload_id_delete``, which needs the
"Delete bulk photometry" permission).  A chunk whose POST went unanswered and was then settled
by PUT has no upload_id (SkyPortal never tells the upload_id of points it already
stores), and its ids may include points that were on the server before the upload
(when that POST was refused as a duplicate of them): such chunks are kept unless
``delete_settled=True``, and are then deleted point by point, at the client's rate
limit, which ``plan_rollback(...).describe(...)`` turns into the time it will take.

Each chunk is marked rolled back in the manifest as soon as it is gone, so a
rollback that stops half-way can be run again; points found gone already (by an
earlier run whose answer was lost, or deleted otherwise) are counted apart.
"""

import dataclasses
import logging
import re
from typing import Any, Callable, List, Optional, Tuple

from skyportal_client._uploads.manifest import LANDED, ROLLED_BACK, UNACKNOWLEDGED, ManifestPath, UploadRecord
from skyportal_client._util.progress import Progress, ProgressArgument, about
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import BadRequestException, ManifestError, RollbackIncomplete

logger = logging.getLogger("skyportal_client")

# SkyPortal's answers: a bulk delete's data, and the errors for an upload_id or a point that is gone.
DELETED_POINTS = re.compile(r"Deleted (\d+) photometry point")
GONE_MESSAGES = ("Invalid bulk upload id", "Cannot find photometry point")
# How many ids a message names before saying how many more there are.
IDS_SHOWN = 5


@dataclasses.dataclass(frozen=True)
class RollbackPlan:
    """What a rollback of one manifest will do.

    ``by_upload_id``: (chunk, upload_id, points) for each bulk delete; ``one_by_one``:
    (chunk, ids) for each settled chunk deleted point by point; ``kept``: (chunk, ids)
    for the settled chunks left alone (without ``delete_settled``); ``already_removed``:
    points of chunks rolled back before.
    """

    by_upload_id: List[Tuple[int, str, int]]
    one_by_one: List[Tuple[int, List[int]]]
    kept: List[Tuple[int, List[int]]]
    already_removed: int

    @property
    def points(self) -> int:
        """How many points the rollback deletes."""
        return sum(points for _, _, points in self.by_upload_id) + sum(len(ids) for _, ids in self.one_by_one)

    def describe(self, rate_limit: Optional[float], burst: int = 0) -> str:
        """What will happen, in a sentence or two, with the time the point-by-point deletes take
        at ``rate_limit`` requests per second (after ``burst`` at once)."""
        single = sum(len(ids) for _, ids in self.one_by_one)
        bulk = self.points - single
        parts = [f"{bulk} in {len(self.by_upload_id)} bulk deletes by upload_id"] if self.by_upload_id else []
        if single:
            pace = (f"{single} requests at {rate_limit:g} per second, {about(max(single - burst, 0) / rate_limit)}"
                    if rate_limit else
                    f"{single} requests, with no client-side rate limit")
            parts.append(f"{single} one by one ({pace})")
        text = f"Removing {self.points} points" + (f": {'; '.join(parts)}." if parts else ".")
        if self.already_removed:
            text += f" {self.already_removed} were removed before."
        if self.kept:
            kept = sum(len(ids) for _, ids in self.kept)
            text += f" Keeping the {kept} points settled by PUT (see delete_settled)."
        return text


class RollbackResult(int):
    """What a rollback did: an int, the number of points this call deleted (also ``removed``),
    with ``already_removed``, the points of the upload found gone (rolled back by an earlier
    call, or deleted otherwise), and ``kept``, the points of settled chunks left on the
    server (see ``delete_settled``)."""

    already_removed: int
    kept: int

    def __new__(cls, removed: int, already_removed: int = 0, kept: int = 0) -> "RollbackResult":
        result = super().__new__(cls, removed)
        result.already_removed = already_removed
        result.kept = kept
        return result

    @property
    def removed(self) -> int:
        return int(self)


def plan_rollback(manifest: ManifestPath, *, host: Optional[str] = None, delete_settled: bool = False) -> RollbackPlan:
    """What ``rollback`` would do with ``manifest`` (for the server ``host``, if given); sends nothing.

    Raises ManifestError for a PUT upload (SkyPortal does not say which of the ids a
    PUT returns were new), and when a chunk's POST is unacknowledged: run the upload
    again to settle it first.
    """
    return _plan(UploadRecord.load(manifest, host), manifest, delete_settled)


def _plan(record: UploadRecord, manifest: ManifestPath, delete_settled: bool) -> RollbackPlan:
    if record.method != "post":
        raise ManifestError(f"{manifest} records a PUT upload, which cannot be rolled back: a PUT returns the ids "
                            "of points that were already stored along with the new ones")
    unsettled = [index for index, entry in enumerate(record.chunks) if entry.state == UNACKNOWLEDGED]
    if unsettled:
        raise ManifestError(f"Whether chunk(s) {_listed(unsettled)} of {manifest} landed is "
                            "unknown: run the upload again with this manifest to settle them, then roll back")
    by_upload_id: List[Tuple[int, str, int]] = []
    one_by_one: List[Tuple[int, List[int]]] = []
    kept: List[Tuple[int, List[int]]] = []
    for index, entry in enumerate(record.chunks):
        if entry.state != LANDED:
            continue
        if entry.upload_id:
            by_upload_id.append((index, entry.upload_id, len(entry.ids)))
        else:
            (one_by_one if delete_settled else kept).append((index, list(entry.ids)))
    already = sum(len(entry.ids) for entry in record.chunks if entry.state == ROLLED_BACK)
    return RollbackPlan(by_upload_id, one_by_one, kept, already)


def rollback(api_client: ApiClient, manifest: ManifestPath, *, delete_settled: bool = False,
             progress: ProgressArgument = None) -> RollbackResult:
    """Delete every point a POST upload added, as recorded in ``manifest``; returns a RollbackResult.

    Chunks that landed by POST go in one bulk delete of their upload_id each; with
    ``delete_settled=True``, chunks settled by PUT after an unanswered POST are deleted
    point by point, at the client's rate limit (see the module's description).  What
    will happen, with the time it takes, is logged before it starts, and shown above
    the bar with ``progress=True`` (a tqdm bar with an ETA; or a function called with
    (points done, points in all)).  Running it again after it stopped carries on.

    Raises:
        ManifestError: the manifest records a PUT upload or an unsettled chunk (see
            ``plan_rollback``); nothing was deleted.
        RollbackIncomplete: settled chunks were kept (without ``delete_settled``); all
            else was removed, and ``result`` says how much.
        ApiException: the server refused a delete or could not be reached; what was
            removed until then is recorded: run the rollback again to finish.
    """
    configuration = api_client.configuration
    record = UploadRecord.load(manifest, configuration.host)
    plan = _plan(record, manifest, delete_settled)
    description = plan.describe(configuration.rate_limit, configuration.rate_limit_burst)
    logger.info("rollback of %s: %s", manifest, description)
    api = PhotometryApi(api_client)
    removed = already = 0
    with Progress(progress, plan.points) as report:
        report.note(description)
        for index, upload_id, points in plan.by_upload_id:
            deleted = _deleted_count(api.api_photometry_bulk_delete_upload_id_delete, upload_id, points)
            removed += deleted
            already += points - deleted
            record.rolled_back(index)
            report(removed + already)
        for index, ids in plan.one_by_one:
            for point_id in ids:
                deleted = _deleted_count(api.api_photometry_photometry_id_delete, point_id, 1)
                removed += deleted
                already += 1 - deleted
                report(removed + already)
            record.rolled_back(index)
    result = RollbackResult(removed, already + plan.already_removed, sum(len(ids) for _, ids in plan.kept))
    if plan.kept:
        listed = "; ".join(f"chunk {index}: ids {_listed(ids)}" for index, ids in plan.kept)
        raise RollbackIncomplete(
            f"Removed {removed} points, but kept the {result.kept} of the chunk(s) settled by PUT after an "
            f"unanswered POST, whose ids may include points stored before this upload ({listed}; {manifest} "
            "lists them all). If none of them were, roll back again with delete_settled=True "
            "(skyportal-photometry rollback --delete-settled), which deletes them one by one", result)
    return result


def _deleted_count(delete: Callable[[Any], Any], key: Any, points: int) -> int:
    """How many of the ``points`` behind ``key`` the ``delete`` call deleted: those its answer
    counts, all of them when an earlier attempt of this call did (its answer lost), none
    when they were gone before it."""
    try:
        data = delete(key)["data"]
    except BadRequestException as error:
        if not any(gone in (error.message or "") for gone in GONE_MESSAGES):
            raise
        return 0
    counted = DELETED_POINTS.match(data) if isinstance(data, str) else None
    return int(counted.group(1)) if counted else points


def _listed(items: list) -> str:
    """The first few of ``items``, and how many there are in all when that is more."""
    shown = ", ".join(map(str, items[:IDS_SHOWN]))
    return shown if len(items) <= IDS_SHOWN else f"{shown}, ... ({len(items)} in all)"
