"""Upload a whole light curve, or many: checked first, sent in chunks, resumable, undoable.

An upload is a pipeline whose steps each take what the one before made:

1. read (``_light_curves.tables.read_table``): the columns of a file, table or dict, as they are;
2. normalise (``_uploads.normalise``): units, times and missing values made the plain
   values SkyPortal stores;
3. check (``_uploads.checks``): every rule SkyPortal applies, on every row; all problems
   are reported together and nothing is sent while there is one;
4. plan (``plan_upload``): the rows split by object into requests as large as the
   server takes (10 000 points, fewer when the points go to several groups);
5. send (``send_upload``): each request by POST (new points; each request gets an
   ``upload_id``) or PUT (an upsert, safe to send again);
6. record (``_uploads.manifest``): after each answer, what landed, atomically.

With a manifest file the upload survives a crash of either side: running the same
call again with the same manifest skips what landed.  A POST whose outcome is
unknown (the connection broke; a gateway answered with a 5xx of its own: a 502, a
504, or a 500 or 503 that is not SkyPortal's; the answer was cut off or not
SkyPortal's) is POSTed once more: SkyPortal refuses a POST of points
it already stores, writing nothing, so the second POST either lands the chunk with
an ``upload_id`` of its own or is refused; only then is the chunk settled with PUT,
which returns the ids of its points, stored or added.  ``rollback`` removes what a POST
upload added and records that in the manifest.

Example (against the embedded test server)::

    >>> import os, tempfile
    >>> import skyportal_client
    >>> from skyportal_client.testing import SkyPortalTestServer, provision
    >>> from skyportal_client.bulk_upload import upload_photometry, rollback
    >>> with SkyPortalTestServer() as server, tempfile.TemporaryDirectory() as folder:
    ...     setup = provision(server.url, server.token)
    ...     manifest = os.path.join(folder, "upload.json")
    ...     configuration = skyportal_client.Configuration(host=server.url, token=server.token)
    ...     with skyportal_client.ApiClient(configuration) as api_client:
    ...         result = upload_photometry(
    ...             api_client, {"mjd": [59400.1, 59401.2], "mag": [19.1, 18.9], "magerr": [0.05, 0.04],
    ...                          "filter": "ztfg"},
    ...             obj_id=setup.obj_id, instrument_id=setup.instrument_id, manifest=manifest)
    ...         print(result.ids, server.photometry_count())
    ...         print(rollback(api_client, manifest).removed, server.photometry_count())
    [1, 2] 2
    2 0
"""

import dataclasses
import hashlib
import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple, Type, Union

from skyportal_client._light_curves.tables import read_table
from skyportal_client._models.base import Model
from skyportal_client._models.problems import write_csv
from skyportal_client._transport.outcome import Outcome
from skyportal_client._uploads.checks import MODELS, check_rows
from skyportal_client._uploads.manifest import LANDED, UNACKNOWLEDGED, UploadRecord
from skyportal_client._uploads.normalise import NormalisedColumns, normalise
from skyportal_client._uploads.server_reads import ServerReads
from skyportal_client._util.checks import is_integer
from skyportal_client._util.progress import Progress, ProgressArgument
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import (
    ApiException,
    ApiTypeError,
    ApiValueError,
    UploadValidationError,
)
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload

__all__ = [
    "upload_photometry", "plan_upload", "send_upload", "UploadPlan", "UploadResult", "Chunk",
    "largest_chunk", "groups_per_point",
]

# group_ids as SkyPortal takes them: a list of group ids, or "all" (the public group).
GroupIds = Union[None, str, Sequence[int]]
# Where a problem report goes: a file path or an open text stream.
ReportDestination = Union[None, str, "os.PathLike[str]", TextIO]

# SkyPortal refuses requests of more rows than this (x-max-points in openapi.yaml).
MAX_ROWS_PER_REQUEST = PhotometryMagUpload.max_points
# SkyPortal links each point to each of its groups in one SQL statement of 4 parameters
# per point and group, and PostgreSQL's driver refuses a statement of more than 65 535
# parameters: a request of N points into G groups needs 4 × N × G ≤ 65 535.
MAX_STATEMENT_PARAMETERS = 65_535
PARAMETERS_PER_POINT_AND_GROUP = 4

# What to do about a chunk left in doubt, as the error says it after "It may have landed: ".
SETTLE_BY_RERUN = "run the same upload again with the same manifest: it settles this chunk"
SETTLE_BY_PUT = ('upload the same points again with method="put", which stores only the missing ones '
                 "(or pass manifest= to have a re-run settle each chunk)")


@dataclasses.dataclass(frozen=True)
class Chunk:
    """One request's worth of rows: all of one object, at most ``UploadPlan.chunk_size``."""

    obj_id: str
    rows: list  # positions of its rows in the input
    body: dict  # the upload body, columns as lists (or one value where all rows agree)
    digest: str  # sha256 of the body, to recognise the same chunk in a manifest
    upload: Model  # the body as the upload model, built without checking the checked rows again


@dataclasses.dataclass(frozen=True)
class UploadPlan:
    """What ``plan_upload`` found: the checked rows, split into requests.

    ``groups_per_point``: the groups SkyPortal links each point to (``group_ids``
    and the uploader's own group); ``chunk_size``: the points per request.
    """

    space: str  # "mag" or "flux"
    row_count: int
    chunks: list
    groups_per_point: int
    chunk_size: int


@dataclasses.dataclass(frozen=True)
class UploadResult:
    """What an upload did.

    ``ids``: the id of every input row, in input order.  ``upload_ids``: one per
    chunk that landed by POST (chunks re-sent by PUT have none).  ``sent`` and
    ``skipped``: chunks sent by this call, and chunks a manifest said had landed.
    """

    ids: list
    upload_ids: list
    sent: int
    skipped: int


def plan_upload(api_client: ApiClient, data: Any, *, obj_id: Optional[str] = None,
                instrument_id: Optional[int] = None, group_ids: GroupIds = None, magsys: str = "ab",
                chunk_size: Optional[int] = None, nan_as_nondetection: bool = False,
                report: ReportDestination = None, stream_ids: Optional[List[int]] = None,
                _reads: Optional[ServerReads] = None) -> UploadPlan:
    """Read, normalise and check every row of ``data`` and split it into requests. Sends
    nothing: it reads each instrument (``InstrumentsApi``), for its filters, and, when
    ``group_ids`` is given, the token's groups (``GroupsApi``), to size the requests.

    The arguments are those of ``upload_photometry``.  Raises UploadValidationError
    naming every problem of every row, ApiValueError for ``group_ids`` that are no
    list of ids, and ValueError for a ``chunk_size`` the server would refuse.
    """
    reads = _reads or ServerReads(api_client)
    try:
        space, normalised = checked_photometry(reads, data, obj_id=obj_id, instrument_id=instrument_id,
                                               magsys=magsys, nan_as_nondetection=nan_as_nondetection)
    except UploadValidationError as error:
        if report is not None:
            error.write_report(report)
        raise
    columns = normalised.columns
    if report is not None:
        write_csv([], report)
    groups = groups_per_point(reads, group_ids)
    largest = largest_chunk(groups)
    if chunk_size is None:
        chunk_size = largest
    elif not is_integer(chunk_size):
        raise ApiTypeError(f"chunk_size must be a whole number of points, not {chunk_size!r}")
    elif not 1 <= chunk_size <= largest:
        why = "" if largest == MAX_ROWS_PER_REQUEST else (
            f" for points in {groups} groups (SkyPortal needs 4 × points × groups ≤ {MAX_STATEMENT_PARAMETERS})")
        raise ApiValueError(f"chunk_size must be between 1 and {largest}{why}, not {chunk_size}")
    chunks = _split(columns, group_ids, stream_ids, chunk_size, MODELS[space])
    return UploadPlan(space, normalised.row_count, chunks, groups, chunk_size)


def checked_photometry(reads: ServerReads, data: Any, *, obj_id: Optional[str] = None,
                       instrument_id: Optional[int] = None, magsys: Optional[str] = "ab",
                       nan_as_nondetection: bool = False) -> Tuple[str, NormalisedColumns]:
    """The read, normalise and check steps: the space ("mag" or "flux") and the values to
    send of every row of ``data``, or UploadValidationError naming every problem.  Reads
    each instrument for its filters; uploads and ``SkyPortal.photometry.update`` check here."""
    normalised = normalise(read_table(data), obj_id=obj_id, instrument_id=instrument_id, magsys=magsys,
                           nan_as_nondetection=nan_as_nondetection)
    columns = normalised.columns
    space = check_rows(columns, _instrument_filters(reads, columns.get("instrument_id", [])),
                       normalised.problems)
    return space, normalised


def largest_chunk(groups_per_point: int) -> int:
    """The most points one request may carry when each goes to ``groups_per_point`` groups."""
    return min(MAX_ROWS_PER_REQUEST,
               MAX_STATEMENT_PARAMETERS // (PARAMETERS_PER_POINT_AND_GROUP * max(groups_per_point, 1)))


def groups_per_point(reads: ServerReads, group_ids: GroupIds) -> int:
    """How many groups SkyPortal links each uploaded point to, for ``group_ids``.

    SkyPortal adds the uploader's single-user group to the groups asked for: the ids
    of a list, or, for "all", the public (sitewide) group alone, not each of the
    user's groups. Without group_ids (None or []) a point goes to the single-user
    group alone (and to the public group too on a server set to share with it by
    default, which the API does not tell; there, pass ``group_ids``). For a list or
    "all" the token's groups are read (``ServerReads.group_lists``) to find its
    single-user group.
    """
    if group_ids != "all" and group_ids is not None and not (
            isinstance(group_ids, (list, tuple)) and all(type(group_id) is int for group_id in group_ids)):
        raise ApiValueError(f'group_ids must be a list of group ids (integers) or "all", not {group_ids!r}')
    if not group_ids:
        return 1
    own = {group.id for group in reads.group_lists().user_groups or []
           if group.single_user_group}
    if group_ids == "all":
        return 1 + len(own)  # the public group is never a single-user group
    return len(set(group_ids) | own)


def _instrument_filters(reads: ServerReads, instrument_ids: List[Any]) -> Dict[int, Optional[List[str]]]:
    """{instrument id: its filters, or None if it takes any} for the instruments that exist."""
    filters: Dict[int, Optional[List[str]]] = {}
    # check_rows reports the ids that are not integers, and those missing here (no id is negative).
    for instrument_id in {value for value in instrument_ids if type(value) is int and value >= 0}:
        instrument = reads.instrument(instrument_id)
        if instrument is None:
            continue
        # SkyPortal holds only imagers to their filter list.
        filters[int(instrument_id)] = instrument.filters if instrument.type == "imager" else None
    return filters


def _split(columns: Dict[str, List[Any]], group_ids: GroupIds, stream_ids: Optional[List[int]], chunk_size: int,
           model: Type[Model]) -> List[Chunk]:
    rows_by_object: Dict[str, List[int]] = {}
    for row, obj_id in enumerate(columns["obj_id"]):
        rows_by_object.setdefault(obj_id, []).append(row)
    chunks = []
    for obj_id, rows in rows_by_object.items():
        for start in range(0, len(rows), chunk_size):
            chunk_rows = rows[start:start + chunk_size]
            body = {}
            for name, values in columns.items():
                chunk_values = [values[row] for row in chunk_rows]
                # One value where every row agrees keeps the body small; SkyPortal broadcasts it. Not
                # altdata: one object for all points is spread out by SkyPortal (its lists split by point).
                body[name] = chunk_values[0] if model.fields[name].column \
                    and chunk_values.count(chunk_values[0]) == len(chunk_values) else chunk_values
            if group_ids is not None:
                body["group_ids"] = group_ids
            if stream_ids is not None:
                body["stream_ids"] = stream_ids
            digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
            chunks.append(Chunk(obj_id, chunk_rows, body, digest, model.from_checked(body)))
    return chunks


def upload_photometry(api_client: ApiClient, data: Any, *, obj_id: Optional[str] = None,
                      instrument_id: Optional[int] = None, group_ids: GroupIds = None, magsys: str = "ab",
                      method: str = "post", manifest: Union[None, str, "os.PathLike[str]"] = None,
                      progress: ProgressArgument = None, chunk_size: Optional[int] = None,
                      nan_as_nondetection: bool = False, report: ReportDestination = None,
                      stream_ids: Optional[List[int]] = None, _reads: Optional[ServerReads] = None) -> UploadResult:
    """Check and upload photometry; returns an UploadResult.

    Args:
        api_client: an ApiClient.
        data: a list of dicts (one per point), a dict of columns, an astropy Table or
            QTable, a pandas DataFrame, or the path of a .csv or .ecsv file.  Columns:
            obj_id, instrument_id, mjd, filter, magsys, then either mag, magerr,
            limiting_mag (mag and magerr null: a non-detection) or flux, fluxerr, zp;
            optionally origin, ra, dec, ra_unc, dec_unc, limiting_mag_nsigma, magref,
            e_magref, ref_flux, ref_fluxerr, ref_zp, and altdata (a dict per point, or
            its JSON text).  astropy units are converted
            (fluxes in Jy, mJy, ... become AB fluxes on the zero point), times
            (astropy Time, datetimes) become MJDs; see docs/tables.md.
        obj_id, instrument_id: the value for every row, when ``data`` has no such column.
        group_ids: the groups to share the points with (a list of ids, or "all" for the
            public group); the uploader's own group is always added.
        magsys: the magnitude system, when ``data`` has no magsys column.
        method: "post" (new points; refused if any is already stored; can be rolled
            back) or "put" (upsert: stored points keep their values and ids; safe to
            repeat; cannot be rolled back).
        manifest: a JSON file path.  Records every chunk that landed; a rerun with the
            same data, method and manifest sends only the rest.
        progress: None, True (a tqdm bar on stderr with the [progress] extra, else a line
            per chunk), or a function called with (rows done, rows in all) after each chunk.
        chunk_size: points per request; by default the most the server takes (10 000,
            or 65 535 // (4 × groups per point) when the points go to several groups).
        nan_as_nondetection: read NaN (and empty flux cells of a CSV file) as nulls, as
            pandas does, instead of refusing them: a NaN measurement makes its row a
            non-detection.
        report: a file path or text stream: every problem the checks find is written
            there as CSV (row, column, kind, detail), nothing but the header when none.
        stream_ids: the ids of the alert streams the points come from.
        _reads: what the server already answered for this upload (the instrument and
            groups the front door looked up by name), so that nothing is asked twice.

    Raises:
        UploadValidationError: bad rows (all of them named); nothing was sent.
        ManifestError: ``manifest`` was written for other data, method or server.
        ApiException: the server refused a chunk, or could not be reached.  Chunks
            before it have landed; with a manifest, run the same call again to finish.
    """
    if method not in ("post", "put"):
        raise ApiValueError(f'method must be "post" or "put", not {method!r}')
    plan = plan_upload(api_client, data, obj_id=obj_id, instrument_id=instrument_id, group_ids=group_ids,
                       magsys=magsys, chunk_size=chunk_size, nan_as_nondetection=nan_as_nondetection, report=report,
                       stream_ids=stream_ids, _reads=_reads)
    record = UploadRecord.for_upload(manifest, plan.chunks, plan.row_count, method, api_client.configuration.host)
    return send_upload(api_client, plan, record, progress=progress)


def send_upload(api_client: ApiClient, plan: UploadPlan, record: UploadRecord, *,
                progress: ProgressArgument = None) -> UploadResult:
    """Send each chunk of ``plan`` that ``record`` does not have as landed, with the record's
    method, keeping ``record`` up to date after every answer (see ``upload_photometry``)."""
    api = PhotometryApi(api_client)
    ids: List[Optional[int]] = [None] * plan.row_count
    sent = skipped = rows_done = 0
    with Progress(progress, plan.row_count) as report:
        for index, chunk in enumerate(plan.chunks):
            if record.chunks[index].state == LANDED:
                skipped += 1
            else:
                (_put if record.method == "put" else _post)(api, chunk, index, record)
                sent += 1
            for row, point_id in zip(chunk.rows, record.chunks[index].ids):
                ids[row] = point_id
            rows_done += len(chunk.rows)
            report(rows_done)
    upload_ids = [entry.upload_id for entry in record.chunks if entry.upload_id]
    return UploadResult(ids=ids, upload_ids=upload_ids, sent=sent, skipped=skipped)


def _post(api: PhotometryApi, chunk: Chunk, index: int, record: UploadRecord) -> None:
    """POST chunk ``index`` until it has landed, recording each change of what is known of it."""
    if record.chunks[index].state != UNACKNOWLEDGED:  # else an earlier run's POST may have landed: settle it
        try:
            data = _send_recorded(api.api_photometry_post, chunk, index, record)
        except ApiException as error:
            if not error.may_have_reached_server:
                raise
        else:
            record.landed(index, "post", data["ids"], data["upload_id"])
            return
    _settle(api, chunk, index, record)


def _put(api: PhotometryApi, chunk: Chunk, index: int, record: UploadRecord) -> None:
    data = _send_recorded(api.api_photometry_put, chunk, index, record)
    record.landed(index, "put", data["ids"], None)  # a PUT's answer has no upload_id


def _send_recorded(send: Callable[..., Any], chunk: Chunk, index: int, record: UploadRecord) -> dict:
    """The data of ``send``'s answer for chunk ``index``.  The chunk is recorded as UNACKNOWLEDGED
    before it goes, and as PENDING again only when the server refused it cleanly (or never
    saw it) and no earlier request of it may have landed: any other failure, whatever
    raised it, leaves it UNACKNOWLEDGED."""
    landed_before = record.chunks[index].state == UNACKNOWLEDGED
    record.sending(index)  # saved before sending: a crash from here on may leave it stored
    try:
        return send(unknown_base_type=chunk.upload)["data"]
    except ApiException as error:
        if not error.may_have_reached_server and not landed_before:
            record.refused(index)
        raise


def _settle(api: PhotometryApi, chunk: Chunk, index: int, record: UploadRecord) -> None:
    """Find out what came of a POST that may have landed, and finish the chunk: POST it
    again.  A success lands the chunk, the first POST having not.  SkyPortal writes
    nothing for a POST it refuses, and refuses one holding points it already stores
    (stored by the first POST, or from before): after a refusal PUT, which stores what is
    missing and is safe to repeat, gives the ids of all.  Whatever else happens leaves
    the chunk UNACKNOWLEDGED, to be settled by the next run, and the error raised says
    that the chunk may have landed."""
    try:
        try:
            data = _send_recorded(api.api_photometry_post, chunk, index, record)
        except ApiException as error:
            if error.outcome is not Outcome.REFUSED:
                raise
            _put(api, chunk, index, record)
            return
    except ApiException as error:
        # Of the chunk: its first POST may have landed, whatever this request met.
        error.restate(Outcome.UNKNOWN, SETTLE_BY_RERUN if record.path else SETTLE_BY_PUT)
        raise
    record.landed(index, "post", data["ids"], data["upload_id"])
