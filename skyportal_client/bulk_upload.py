"""Upload a whole light curve, or many: checked first, sent in chunks, resumable, undoable.

``upload_photometry`` checks every row (see ``upload_checks``), splits the rows
by object and into requests of at most 10 000 rows, and sends them with POST
(new points; each request gets an ``upload_id``) or PUT (an upsert, safe to
send again).

With a manifest file the upload survives a crash of either side.  After each
acknowledged request the manifest records, atomically, which chunks landed
and their ids and upload_ids; running the same call again with the same
manifest skips those.  A POST that may have reached the server without an
answer is POSTed once more: SkyPortal refuses a POST of points it already
stores, writing nothing, so the second POST either lands the chunk with an
upload_id of its own or shows that its points are stored; only then is the
chunk settled with PUT, which returns their ids.  ``rollback`` removes what a
POST upload added and records that in the manifest.

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
    ...         print(rollback(api_client, manifest), server.photometry_count())
    [1, 2] 2
    2 0
"""

import dataclasses
import hashlib
import json
import os
import sys
import tempfile

from skyportal_client.api.instruments_api import InstrumentsApi
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.exceptions import ApiConnectionError, ApiValueError, BadRequestException, ServiceException
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload
from skyportal_client.problems import Problem
from skyportal_client.tables import plain_value, read_columns, require
from skyportal_client.model_utils import Model
from skyportal_client.upload_checks import MODELS, UploadValidationError, check_rows

# SkyPortal refuses requests of more rows than this (x-max-points in openapi.yaml).
MAX_ROWS_PER_REQUEST = PhotometryMagUpload.max_points

MANIFEST_FORMAT = "skyportal-client upload manifest"
MANIFEST_VERSION = 1

# A chunk's state in the manifest.
PENDING = "pending"                  # not sent, or refused: nothing of it is on the server
UNACKNOWLEDGED = "unacknowledged"    # a POST went out and no answer came: it may have landed
LANDED = "landed"                    # acknowledged; "ids" and, for a POST, "upload_id" are set
ROLLED_BACK = "rolled_back"          # its points were deleted by rollback


class ManifestError(ApiValueError):
    """A manifest that cannot be used for this upload or rollback; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Chunk:
    """One request's worth of rows: all of one object, at most MAX_ROWS_PER_REQUEST."""

    obj_id: str
    rows: list  # positions of its rows in the input
    body: dict  # the upload body, columns as lists (or one value where all rows agree)
    digest: str  # sha256 of the body, to recognise the same chunk in a manifest
    upload: Model  # the body as the upload model, built without checking the checked rows again


@dataclasses.dataclass(frozen=True)
class UploadPlan:
    """What ``plan_upload`` found: the checked rows, split into requests."""

    space: str  # "mag" or "flux"
    row_count: int
    chunks: list


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


def plan_upload(api_client, data, *, obj_id=None, instrument_id=None, group_ids=None, magsys="ab",
                chunk_size=MAX_ROWS_PER_REQUEST):
    """Check every row of ``data`` and split it into requests, sending nothing but one
    instrument read (``InstrumentsApi.api_instrument_instrument_id_get``) per instrument,
    for its filters.

    The arguments are those of ``upload_photometry``.  Raises UploadValidationError
    naming every bad row and column.
    """
    if not 1 <= chunk_size <= MAX_ROWS_PER_REQUEST:
        raise ValueError(f"chunk_size must be between 1 and {MAX_ROWS_PER_REQUEST}, not {chunk_size}")
    columns = read_columns(data)
    row_count = len(next(iter(columns.values()), []))
    for name, value in (("obj_id", obj_id), ("instrument_id", instrument_id), ("magsys", magsys)):
        if name not in columns:
            if value is not None:  # else check_rows reports the missing column
                columns[name] = [plain_value(value)] * row_count
        elif value is not None and name != "magsys":
            raise UploadValidationError([Problem(None, name, "given twice", (
                f"given both as a column and as the {name}= argument; keep one"))])
    if row_count == 0:
        raise UploadValidationError([Problem(None, "mjd", "no rows", "there are no rows to upload")])
    # CSV files and pandas give ids as floats (1.0), and people write AB for ab.
    if "instrument_id" in columns:
        columns["instrument_id"] = [int(value) if _is_integral_float(value) else value
                                    for value in columns["instrument_id"]]
    if "magsys" in columns:
        columns["magsys"] = [value.lower() if isinstance(value, str) else value for value in columns["magsys"]]
    space = check_rows(columns, _instrument_filters(api_client, columns.get("instrument_id", [])))
    return UploadPlan(space, row_count, _split(columns, group_ids, chunk_size, MODELS[space]))


def _is_integral_float(value):
    return isinstance(value, float) and value.is_integer()


def _instrument_filters(api_client, instrument_ids):
    """{instrument id: its filters, or None if it takes any} for the instruments that exist."""
    instruments = InstrumentsApi(api_client)
    filters = {}
    # check_rows reports the ids that are not integers, and those missing here (no id is negative).
    for instrument_id in {value for value in instrument_ids if type(value) is int and value >= 0}:
        try:
            instrument = instruments.api_instrument_instrument_id_get(int(instrument_id)).data
        except BadRequestException:  # SkyPortal's answer for an unknown instrument
            continue
        # SkyPortal holds only imagers to their filter list.
        filters[int(instrument_id)] = instrument.filters if instrument.type == "imager" else None
    return filters


def _split(columns, group_ids, chunk_size, model):
    rows_by_object = {}
    for row, obj_id in enumerate(columns["obj_id"]):
        rows_by_object.setdefault(obj_id, []).append(row)
    chunks = []
    for obj_id, rows in rows_by_object.items():
        for start in range(0, len(rows), chunk_size):
            chunk_rows = rows[start:start + chunk_size]
            body = {}
            for name, values in columns.items():
                chunk_values = [values[row] for row in chunk_rows]
                # One value where every row agrees keeps the body small; SkyPortal broadcasts it.
                body[name] = chunk_values[0] if chunk_values.count(chunk_values[0]) == len(chunk_values) \
                    else chunk_values
            if group_ids is not None:
                body["group_ids"] = group_ids
            digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
            chunks.append(Chunk(obj_id, chunk_rows, body, digest, model.from_checked(body)))
    return chunks


def upload_photometry(api_client, data, *, obj_id=None, instrument_id=None, group_ids=None, magsys="ab",
                      method="post", manifest=None, progress=None, chunk_size=MAX_ROWS_PER_REQUEST):
    """Check and upload photometry; returns an UploadResult.

    Args:
        api_client: an ApiClient.
        data: a list of dicts (one per point), a dict of columns, an astropy Table, a
            pandas DataFrame, or the path of a .csv or .ecsv file.  Columns: obj_id,
            instrument_id, mjd, filter, magsys, then either mag, magerr, limiting_mag
            (empty mag and magerr: a non-detection) or flux, fluxerr, zp; optionally
            origin, ra, dec, ra_unc, dec_unc, limiting_mag_nsigma, magref, e_magref,
            ref_flux, ref_fluxerr, ref_zp.
        obj_id, instrument_id: the value for every row, when ``data`` has no such column.
        group_ids: the groups to share the points with (a list of ids, or "all").
        magsys: the magnitude system, when ``data`` has no magsys column.
        method: "post" (new points; refused if any is already stored; can be rolled
            back) or "put" (upsert: stored points keep their values and ids; safe to
            repeat; cannot be rolled back).
        manifest: a JSON file path.  Records every chunk that landed; a rerun with the
            same data, method and manifest sends only the rest.
        progress: None, True (a tqdm bar on stderr; needs the [progress] extra), or a
            function called with (rows done, rows in all) after each chunk.
        chunk_size: rows per request, at most 10 000.

    Raises:
        UploadValidationError: bad rows (all of them named); nothing was sent.
        ManifestError: ``manifest`` was written for other data, method or server.
        ApiException: the server refused a chunk, or could not be reached.  Chunks
            before it have landed; with a manifest, run the same call again to finish.
    """
    if method not in ("post", "put"):
        raise ValueError(f'method must be "post" or "put", not {method!r}')
    plan = plan_upload(api_client, data, obj_id=obj_id, instrument_id=instrument_id, group_ids=group_ids,
                       magsys=magsys, chunk_size=chunk_size)
    host = api_client.configuration.host
    state = _load_for_upload(manifest, plan, method, host) if manifest else _new_manifest(plan, method, host)

    def save():
        if manifest:
            _write_manifest(manifest, state)

    api = PhotometryApi(api_client)
    ids = [None] * plan.row_count
    sent = skipped = rows_done = 0
    with _Progress(progress, plan.row_count) as report:
        for chunk, entry in zip(plan.chunks, state["chunks"]):
            if entry["state"] == LANDED:
                skipped += 1
            else:
                _send(api, chunk, entry, method, save)
                sent += 1
            for row, point_id in zip(chunk.rows, entry["ids"]):
                ids[row] = point_id
            rows_done += len(chunk.rows)
            report(rows_done)
    upload_ids = [entry["upload_id"] for entry in state["chunks"] if entry["upload_id"]]
    return UploadResult(ids=ids, upload_ids=upload_ids, sent=sent, skipped=skipped)


def _send(api, chunk, entry, method, save):
    """Send one chunk until it has landed, updating ``entry`` and saving the manifest
    whenever what is known about the chunk changes."""
    if method == "put":
        _put(api, chunk, entry, save)
        return
    error = None
    for _ in range(2):  # a POST left unanswered is sent once more, at once
        unanswered_before = entry["state"] == UNACKNOWLEDGED
        entry["state"] = UNACKNOWLEDGED  # saved before sending: a crash from here on may leave it stored
        save()
        try:
            data = api.api_photometry_post(unknown_base_type=chunk.upload)["data"]
        except BadRequestException as refused:
            if unanswered_before and "already exists" in (refused.message or ""):
                # SkyPortal refuses a POST of points it stores, writing nothing: the unanswered
                # POST landed, or some points were there before. PUT gives the ids either way.
                _put(api, chunk, entry, save)
                return
            if not unanswered_before:  # a refused POST writes nothing
                entry["state"] = PENDING
                save()
            raise
        except (ApiConnectionError, ServiceException) as failure:
            if isinstance(failure, ApiConnectionError) and not failure.may_have_reached_server \
                    and not unanswered_before:
                entry["state"] = PENDING
                save()
                raise
            error = failure  # a gateway error or a lost answer: the points may be stored
            continue
        except Exception:
            if not unanswered_before:
                entry["state"] = PENDING
                save()
            raise
        entry.update(state=LANDED, sent_with="post", ids=data["ids"], upload_id=data["upload_id"])
        save()
        return
    raise error


def _put(api, chunk, entry, save):
    data = api.api_photometry_put(unknown_base_type=chunk.upload)["data"]
    entry.update(state=LANDED, sent_with="put", ids=data["ids"], upload_id=None)
    save()


class _Progress:
    """A context giving ``report(rows_done)`` for the ``progress`` argument."""

    def __init__(self, progress, total):
        self._bar = None
        if progress is True:
            self._bar = require("tqdm").tqdm(total=total, unit="point", file=sys.stderr)
            self._report = lambda done: self._bar.update(done - self._bar.n)
        elif callable(progress):
            self._report = lambda done: progress(done, total)
        elif progress in (None, False):
            self._report = lambda done: None
        else:
            raise TypeError("progress must be None, True or a function of (rows done, rows in all)")

    def __enter__(self):
        return self._report

    def __exit__(self, *exc_info):
        if self._bar is not None:
            self._bar.close()


# -- the manifest -------------------------------------------------------------------------


def _new_manifest(plan, method, host):
    return {
        "format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "host": host, "method": method,
        "rows": plan.row_count,
        "chunks": [{"obj_id": chunk.obj_id, "rows": len(chunk.rows), "digest": chunk.digest, "state": PENDING,
                    "sent_with": None, "ids": [], "upload_id": None} for chunk in plan.chunks],
    }


def _load_for_upload(path, plan, method, host):
    """The manifest at ``path`` if it describes this upload, a new one if there is no file."""
    if not os.path.exists(path):
        state = _new_manifest(plan, method, host)
        _write_manifest(path, state)
        return state
    state = load_manifest(path, host)
    if any(entry["state"] == ROLLED_BACK for entry in state["chunks"]):
        raise ManifestError(f"{path} records an upload that was rolled back: use a new manifest path to upload again")
    if state["method"] != method:
        raise ManifestError(f"{path} records a {state['method'].upper()} upload, not {method.upper()}: "
                            f"use method={state['method']!r} to finish it, or a new manifest path")
    if [entry["digest"] for entry in state["chunks"]] != [chunk.digest for chunk in plan.chunks]:
        raise ManifestError(f"{path} was written for other data or options: pass the same data, obj_id, "
                            "instrument_id, group_ids and chunk_size to finish that upload, or a new manifest "
                            "path to start another")
    return state


def load_manifest(path, host=None):
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


def _write_manifest(path, state):
    """Replace the manifest at ``path`` in one step: a crash leaves the old one or the new one, never half."""
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(state, separators=(",", ":")))  # dumps: C-speed, unlike dump
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# -- rollback -----------------------------------------------------------------------------


def rollback(api_client, manifest, *, delete_settled=False):
    """Delete every point a POST upload added, as recorded in ``manifest``; returns how many.

    Chunks that landed by POST go in one bulk delete of their upload_id each. A chunk
    whose POST went unanswered and was then settled by PUT has no upload_id, and its
    ids may include points that were on the server before the upload (when that POST
    was refused as a duplicate): such chunks are deleted point by point only with
    ``delete_settled=True``. Otherwise everything else is rolled back and ManifestError
    names those chunks and their ids. Each chunk is marked rolled back in the manifest
    as soon as it is gone, so a rollback that stops half-way can be run again.

    Raises ManifestError for a PUT upload (SkyPortal does not say which of the ids
    a PUT returns were new), and when a chunk's POST is unacknowledged: run the
    upload again to settle it first.
    """
    state = load_manifest(manifest, api_client.configuration.host)
    if state["method"] != "post":
        raise ManifestError(f"{manifest} records a PUT upload, which cannot be rolled back: a PUT returns the ids "
                            "of points that were already stored along with the new ones")
    unsettled = [index for index, entry in enumerate(state["chunks"]) if entry["state"] == UNACKNOWLEDGED]
    if unsettled:
        raise ManifestError(f"Whether chunk(s) {', '.join(map(str, unsettled))} of {manifest} landed is unknown: "
                            "run the upload again with this manifest to settle them, then roll back")
    api = PhotometryApi(api_client)
    removed = 0
    kept = []
    for index, entry in enumerate(state["chunks"]):
        if entry["state"] != LANDED:
            continue
        if entry["upload_id"]:
            _delete_if_present(api.api_photometry_bulk_delete_upload_id_delete, entry["upload_id"])
        elif delete_settled:
            for point_id in entry["ids"]:
                _delete_if_present(api.api_photometry_photometry_id_delete, point_id)
        else:
            kept.append((index, entry["ids"]))
            continue
        entry["state"] = ROLLED_BACK
        _write_manifest(manifest, state)
        removed += len(entry["ids"])
    if kept:
        listed = "; ".join(f"chunk {index}: ids {', '.join(map(str, ids))}" for index, ids in kept)
        raise ManifestError(
            f"Removed {removed} points, but not those of the chunk(s) settled by PUT after an unanswered POST, "
            f"whose ids may include points stored before this upload ({listed}). If none of them were, "
            "roll back again with delete_settled=True (skyportal-photometry rollback --delete-settled)")
    return removed


def _delete_if_present(delete, key):
    """Call ``delete(key)``; a 400 for a key already gone (a rollback run twice after a lost answer) is fine."""
    try:
        delete(key)
    except BadRequestException as error:
        if "Invalid bulk upload id" not in (error.message or "") and "Cannot find photometry point" \
                not in (error.message or ""):
            raise
