"""The eight photometry operations (reference §4)."""

import datetime
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from . import envelope
from .accounts import Caller
from .base import Handler, permissions
from .clock import utcnow_iso
from .conversions import ALLOWED_MAGSYSTEMS
from .envelope import ApiError
from .patches import parse_patch
from .points import SerializationError, serialize
from .standardize import (
    database_refusal,
    dedup_key_mismatch,
    photstats_refusal,
    standardize_upload,
)
from .storage import (
    DuplicatePoints,
    PointsCheck,
    RepeatedPoints,
    Store,
    TooManyGroupRows,
)
from .tracebacks import (
    MAX_PARAMETERS,
    PARAMETERS_PER_GROUP_ROW,
    DatabaseError,
    parameter_limit_error,
    photometry_insert_error,
    traceback_error,
)

MJD_EPOCH = datetime.datetime(1858, 11, 17)
RANGE_BODY_FIELDS = ("instrument_ids", "min_date", "max_date")
DUPLICATES_MESSAGE = ("marshmallow.exceptions.ValidationError: The following photometry already exists in the "
                      "database (deduplication keys: obj_id, instrument_id, origin, mjd, fluxerr, flux): {}")
CARDINALITY = DatabaseError("psycopg.errors.CardinalityViolation",
                            "ON CONFLICT DO UPDATE command cannot affect row a second time", "ProgrammingError",
                            "f405", ("HINT:  Ensure that no rows proposed for insertion within the same command have "
                                     "duplicate constrained values.",))


def _id_set(values: Iterable[Any], name: str) -> set[int]:
    """get_group_ids' / get_stream_ids' parsing: a ValueError is SkyPortal's
    400, any other exception escapes as a 500."""
    try:
        return {int(value) for value in values}
    except ValueError:
        raise ApiError(400, f"Invalid format for {name} parameter. Must be a list of integers.") from None
    except (TypeError, OverflowError) as exc:
        raise ApiError(500, str(exc)) from None


def _resolve_upload_groups(store: Store, caller: Caller, body: Mapping[str, Any]) -> tuple[list[int], list[int]]:
    """The groups uploaded points go to: the requested ones ("all" is the
    public group), plus always the uploader's single-user group; and the
    streams they are tagged with, each readable by the caller (an unknown
    stream reads like an unreadable one, as in get_stream_ids)."""
    requested = body.get("group_ids", [])
    if isinstance(requested, list):
        group_ids = _id_set(requested, "group_ids")
        found = store.existing_group_ids(group_ids) if group_ids else set()
        if group_ids - found:
            raise ApiError(400, f"Invalid group IDs: {group_ids - found}. Available group IDs: {found}")
    elif requested == "all":
        group_ids = {store.public_group_id()}
    else:
        raise ApiError(400, "Invalid group_ids parameter value. Must be a list of IDs (integers) or the string 'all'.")
    streams = body.get("stream_ids", [])
    if not isinstance(streams, list):
        raise ApiError(400, "Invalid stream_ids parameter value. Must be a list of IDs (integers).")
    stream_ids = _id_set(streams, "stream_ids")
    available = stream_ids & store.readable_stream_ids(caller)
    if stream_ids - available:
        raise ApiError(400, f"Invalid stream IDs: {stream_ids - available}. Available stream IDs: {available}")
    upload_group_ids = list(group_ids)
    if caller.single_user_group_id not in upload_group_ids:
        upload_group_ids.append(caller.single_user_group_id)
    return upload_group_ids, sorted(stream_ids)


def _filter_mismatch(points: list[dict[str, Any]]) -> str | None:
    """The message for the first point whose imager lacks its filter, or None
    (uploads do not check other instruments' filters)."""
    for point in points:
        instrument = point["instrument"]
        if instrument["type"] == "imager" and point["filter"] not in instrument["filters"]:
            return f"Instrument {instrument['name']} has no filter {point['filter']}."
    return None


def _insert_rows(points: list[dict[str, Any]], caller: Caller) -> list[dict[str, Any]]:
    """The parameter sets of SkyPortal's photometry INSERT for these points."""
    upload_id, now = str(uuid.uuid4()), datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return [{**point, "upload_id": upload_id, "owner_id": caller.user_id, "modified": now, "created_at": now}
            for point in points]


def _refuse_at_insert(method: str, points: list[dict[str, Any]], caller: Caller) -> None:
    """What SkyPortal's insert of new points refuses: a filter its imager
    lacks (its own check), then what PostgreSQL cannot store."""
    mismatch = _filter_mismatch(points)
    if mismatch:
        raise traceback_error(method, "insert", f"marshmallow.exceptions.ValidationError: {mismatch}")
    refusal = database_refusal(points)
    if refusal:
        raise photometry_insert_error(method, refusal, _insert_rows(points, caller))


def _refuse_inserted_rows(method: str) -> PointsCheck:
    """SkyPortal maps the inserted rows back to its parameters by dedup key,
    which can miss (a KeyError traceback): the check, for the store."""
    def check(points: list[dict[str, Any]]) -> None:
        missing_key = dedup_key_mismatch(points)
        if missing_key is not None:
            raise traceback_error(method, "insert", f"KeyError: {missing_key!r}")
    return check


def _refuse_statistics(method: str, caller: Caller) -> PointsCheck:
    """The photometry statistics update that follows the insert: the check, for the store."""
    def check(points: list[dict[str, Any]]) -> None:
        refusal = photstats_refusal(points)
        if refusal:
            raise photometry_insert_error(method, refusal, _insert_rows(points, caller))
    return check


def _group_rows_error(method: str, exc: TooManyGroupRows) -> ApiError:
    stage = "duplicate groups" if exc.for_duplicates else "groups"
    now = utcnow_iso()
    return parameter_limit_error(method, stage, [(group_id, point_id, now) for group_id, point_id in exc.pairs])


def _as_stored(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points as PostgreSQL holds them once inserted: double precision mjd."""
    for point in points:
        point["mjd"] = float(point["mjd"])
    return points


def _serialized(points: Iterable[Mapping[str, Any]], output_format: str, magsys: str,
                with_annotations: bool) -> list[dict[str, Any]]:
    try:
        return [serialize(point, output_format, magsys, with_annotations) for point in points]
    except SerializationError as exc:
        raise ApiError(500, str(exc)) from None


class PhotometryHandler(Handler):
    def _points_from_body(self) -> tuple[list[dict[str, Any]], list[int], list[int]]:
        """The standardised points, groups and streams of a POST/PUT body
        (SkyPortal reads the body afresh for each step)."""
        group_ids, stream_ids = _resolve_upload_groups(self.store, self.caller, self.get_json())
        points = standardize_upload(
            self.get_json(),
            instruments=lambda ids: {instrument_id: instrument for instrument_id in ids
                                     if (instrument := self.store.get_instrument(instrument_id))},
            objects_exist=lambda ids: {obj_id for obj_id in ids if self.store.obj_exists(obj_id)})
        return points, group_ids, stream_ids

    @permissions("Upload data")
    def post(self) -> envelope.Response:
        points, group_ids, stream_ids = self._points_from_body()
        _refuse_at_insert("post", points, self.caller)
        try:
            ids, upload_id = self.store.insert_points(
                _as_stored(points), group_ids, self.caller, MAX_PARAMETERS // PARAMETERS_PER_GROUP_ROW,
                check_rows=_refuse_inserted_rows("post"), check_stored=_refuse_statistics("post", self.caller))
        except DuplicatePoints as exc:
            raise traceback_error("post", "insert", DUPLICATES_MESSAGE.format(exc.stored_keys)) from None
        except TooManyGroupRows as exc:
            raise _group_rows_error("post", exc) from None
        self.store.add_photometry_streams(ids, stream_ids)
        return envelope.success({"ids": ids, "upload_id": upload_id})

    @permissions("Upload data")
    def put(self) -> envelope.Response:
        points, group_ids, stream_ids = self._points_from_body()
        for point in points:  # find_duplicate_photometry reads every mjd with float() first
            try:
                float(point["mjd"])
            except ValueError as exc:
                raise traceback_error("put", "insert", f"ValueError: {exc}") from None
            if not isinstance(point["mjd"], (bool, str)):
                point["mjd"] = float(point["mjd"])
        try:
            ids = self.store.upsert_points(
                points, group_ids, self.caller, MAX_PARAMETERS // PARAMETERS_PER_GROUP_ROW,
                check_new_points=lambda new: _refuse_at_insert("put", new, self.caller),
                check_rows=_refuse_inserted_rows("put"), check_stored=_refuse_statistics("put", self.caller))
        except RepeatedPoints as exc:
            raise photometry_insert_error("put", CARDINALITY, _insert_rows(exc.points, self.caller)) from None
        except TooManyGroupRows as exc:
            raise _group_rows_error("put", exc) from None
        # Streams are only ever added: a PUT without stream_ids keeps the points' links.
        self.store.add_photometry_streams(ids, stream_ids)
        return envelope.success({"ids": ids})

    def _readable_point(self, photometry_id: int) -> dict[str, Any]:
        points = self.store.readable_points(self.caller, "photometry.id = ?", (photometry_id,))
        if not points:
            raise ApiError(400, f"Cannot find photometry point with ID: {photometry_id}.")
        return points[0]

    def _changeable_point(self, photometry_id: int, action: str) -> dict[str, Any]:
        point = self._readable_point(photometry_id)
        if not (self.caller.is_admin or point["owner_id"] == self.caller.user_id
                or self.caller.may("Manage photometry")):
            raise ApiError(400, f"You do not have permission to {action} photometry point "
                                f"{photometry_id}. You must be its owner or have the 'Manage "
                                "photometry' permission.")
        return point

    def get(self, photometry_id: str | None = None) -> envelope.Response:
        if photometry_id is None:
            raise ApiError(400, "Missing required photometry_id.")
        point = self._readable_point(int(photometry_id))
        output_format = self.get_query_argument("format", "mag")
        magsys = self.get_query_argument("magsys", "ab")
        return envelope.success(_serialized([point], output_format, magsys, with_annotations=True)[0])

    @permissions("Upload data")
    def patch(self, photometry_id: str) -> envelope.Response:
        point_id = int(photometry_id)
        body = self.get_json()
        stored = self._changeable_point(point_id, "update")
        try:
            point = parse_patch(body, stored, self.store)
        except KeyError as exc:
            raise ApiError(500, str(exc)) from None
        group_ids = body.get("group_ids")
        if group_ids is not None:
            group_ids = self._patch_groups(group_ids)
        if body.get("stream_ids") is not None:  # re-tagging points with streams by PATCH is not emulated
            raise ApiError(400, "Invalid stream_ids field. Specify at least one valid stream ID.")
        try:
            self.store.update_point(point_id, point, group_ids)
        except sqlite3.IntegrityError as exc:
            raise ApiError(500, f"(psycopg.errors.UniqueViolation) {exc}") from None
        return envelope.success({})

    def _patch_groups(self, group_ids: Any) -> list[int]:
        """PATCH's group_ids replace the point's groups with those of them
        that exist (unknown ids are dropped); none existing is a 400, and a
        non-admin must belong to each."""
        if not isinstance(group_ids, list) or any(isinstance(group_id, (list, dict)) for group_id in group_ids):
            raise ApiError(500, f"(sqlalchemy.exc.ArgumentError) IN expression list, SELECT construct, or bound "
                                f"parameter object expected, got {group_ids!r}.")
        try:
            requested = {int(group_id) for group_id in group_ids}
        except (TypeError, ValueError):
            raise ApiError(500, "(psycopg.errors.UndefinedFunction) operator does not exist: integer = "
                                "character varying") from None
        found = self.store.existing_group_ids(requested) if requested else set()
        if not found:
            raise ApiError(400, "Invalid group_ids field. Specify at least one valid group ID.")
        if not found <= self.store.accessible_group_ids(self.caller):
            raise ApiError(400, "Cannot upload photometry to groups you are not a member of.")
        return sorted(found)

    @permissions("Upload data")
    def delete(self, photometry_id: str) -> envelope.Response:
        point_id = int(photometry_id)
        self._changeable_point(point_id, "delete")
        self.store.delete_points([point_id])
        return envelope.success({})


class ObjPhotometryHandler(Handler):
    def get(self, obj_id: str) -> envelope.Response:
        if not self.store.obj_readable(self.caller, obj_id):
            raise ApiError(403, f"Insufficient permissions for User {self.caller.token} to read Obj {obj_id}")
        points: list[dict[str, Any]] = []
        if self.get_query_argument("individualOrSeries", "both") in ("individual", "both"):
            points = self.store.readable_points(self.caller, "photometry.obj_id = ?", (obj_id,))
        if self.get_bool_argument("deduplicatePhotometry"):
            newest: dict[tuple[Any, Any], dict[str, Any]] = {}
            for point in points:
                key = (point["mjd"], point["filter"])
                if key not in newest or point["created_at"] > newest[key]["created_at"]:
                    newest[key] = point
            points = sorted(newest.values(), key=lambda point: (point["mjd"], point["id"]))
        output_format = self.get_query_argument("format", "mag")
        serialized = _serialized(points, output_format, self.get_query_argument("magsys", "ab"),
                                 self.get_bool_argument("includeAnnotationInfo"))
        for point, result in zip(points, serialized):
            self._add_requested_blocks(point, result, output_format)
        return envelope.success(serialized)

    def _add_requested_blocks(self, point: Mapping[str, Any], result: dict[str, Any], output_format: str) -> None:
        if self.get_bool_argument("includeOwnerInfo"):
            owner = self.store.get_user(point["owner_id"])
            result["owner"] = {"id": owner["id"], "username": owner["username"],
                               "first_name": None, "last_name": None}
        if self.get_bool_argument("includeStreamInfo"):
            result["streams"] = self.store.photometry_streams(point["id"])
        if self.get_bool_argument("includeValidationInfo"):
            result["validations"] = []
        if self.get_bool_argument("includeExtinction") and output_format != "plot":
            # No dust maps here, as on the observed install: extinction unknown.
            result["extinction"] = None
            if output_format in ("mag", "both"):
                result["mag_corr"] = None
            result["flux_corr"] = None


def _datetime_to_mjd(value: str) -> float:
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return (moment - MJD_EPOCH) / datetime.timedelta(days=1)


def _range_filters(body: Mapping[str, Any]) -> tuple[str, tuple[object, ...]]:
    """SQL condition and parameters for a PhotometryRangeQuery body."""
    errors: dict[str, list[str] | dict[int, list[str]]] = {
        key: ["Unknown field."] for key in body if key not in RANGE_BODY_FIELDS}
    conditions: list[str] = []
    params: list[object] = []
    instrument_ids = body.get("instrument_ids")
    if instrument_ids is not None:
        if not isinstance(instrument_ids, list):
            errors["instrument_ids"] = ["Not a valid list."]
        else:
            bad = {index: ["Not a valid integer."] for index, value in enumerate(instrument_ids)
                   if isinstance(value, bool) or not isinstance(value, int)}
            if bad:
                errors["instrument_ids"] = bad
            else:
                conditions.append(f"photometry.instrument_id IN ({','.join('?' * len(instrument_ids))})")
                params += instrument_ids
    for key, operator in (("min_date", ">="), ("max_date", "<=")):
        if body.get(key) is None:
            continue
        try:
            mjd = _datetime_to_mjd(body[key])
        except (TypeError, ValueError):
            errors[key] = ["Not a valid datetime."]
            continue
        conditions.append(f"photometry.mjd {operator} ?")
        params.append(mjd)
    if errors:
        raise ApiError(400, f"Invalid request body: {errors}")
    return " AND ".join(conditions) or "1", tuple(params)


class PhotometryRangeHandler(Handler):
    def get(self) -> envelope.Response:
        body = self.get_json()
        magsys = self.get_query_argument("magsys", "ab")
        if magsys not in ALLOWED_MAGSYSTEMS:
            raise ApiError(400, "Invalid mag system.")
        output_format = self.get_query_argument("format", "mag")
        if output_format not in ("mag", "flux"):
            raise ApiError(400, "Invalid output format.")
        where, params = _range_filters(body)
        points = self.store.readable_points(self.caller, where, params, only_group_shared=True)
        return envelope.success(_serialized(points, output_format, magsys, with_annotations=True))


class BulkDeletePhotometryHandler(Handler):
    @permissions("Delete bulk photometry")
    def delete(self, upload_id: str) -> envelope.Response:
        point_ids = self.store.upload_point_ids(upload_id, self.caller)
        if not point_ids:
            raise ApiError(400, "Invalid bulk upload id.")
        self.store.delete_points(point_ids)
        return envelope.success(f"Deleted {len(point_ids)} photometry point(s).")
