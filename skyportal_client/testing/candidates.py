"""/api/candidates: objects that passed a filter, one row per (object, filter, passed_at).

Read from SkyPortal's CandidateHandler (revision 8bd346c0): re-posting a
stored triple returns the stored row's id; filter ids the caller cannot
access are dropped, and when none is left nothing is stored, not even a new
object.  The single GET returns the object, not its candidate rows.
"""

import datetime
import math
import uuid
from typing import Any, NoReturn

from . import envelope, sky
from .annotations import annotation_dicts
from .base import Handler, permissions
from .envelope import ApiError
from .filters import accessible_filters
from .sources import obj_dict, obj_schema_errors
from .thumbnails import thumbnail_dict

MJD_EPOCH = datetime.datetime(1858, 11, 17)
DEFAULT_CANDIDATES_PER_PAGE = 25
# arrow's refusal of a string it cannot parse.
ARROW_FORMATS = ("YYYY-MM-DD, YYYY-M-DD, YYYY-M-D, YYYY/MM/DD, YYYY/M/DD, YYYY/M/D, YYYY.MM.DD, YYYY.M.DD, "
                 "YYYY.M.D, YYYYMMDD, YYYY-DDDD, YYYYDDDD, YYYY-MM, YYYY/MM, YYYY.MM, YYYY, W")
# The key order of SkyPortal's candidate answer (the object and what it carries).
CANDIDATE_KEYS = (
    "redshift_error", "summary_history", "varstar", "ra_dis", "redshift_origin", "is_roid", "healpix",
    "created_at", "dec_dis", "redshift_history", "mpc_name", "dec", "ra_err", "host_id", "tns_name",
    "detect_photometry_count", "id", "dec_err", "tns_info", "ra", "offset", "dist_nearest_source",
    "mag_nearest_source", "score", "t0", "summary", "e_mag_nearest_source", "origin", "modified", "redshift",
    "altdata", "transient", "alias")
INSERT_STATEMENT = (
    "[SQL: INSERT INTO candidates (obj_id, filter_id, passed_at, passing_alert_id, uploader_id, modified, "
    "created_at) VALUES (%(obj_id)s::VARCHAR, %(filter_id)s::INTEGER, %(passed_at)s::TIMESTAMP WITHOUT TIME ZONE, "
    "%(passing_alert_id)s::BIGINT, %(uploader_id)s::INTEGER, timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
    "timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP)) RETURNING candidates.id, candidates.modified, "
    "candidates.created_at]")


def parse_moment(value: object) -> str:
    """arrow.get's reading of a time, as the naive UTC ISO string stored;
    ValueError with arrow's words when it cannot read it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"Could not match input {str(value)!r} to any of the following formats: "
                             f"{ARROW_FORMATS}.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.isoformat()


def _bigint_refusal(obj_id: str, filter_id: int, passed_at: str, value: object) -> NoReturn:
    raise ApiError(500, f'(psycopg.errors.InvalidTextRepresentation) invalid input syntax for type bigint: "{value}"\n'
                        f"CONTEXT:  unnamed portal parameter $4 = '...'\n{INSERT_STATEMENT}\n"
                        f"[parameters: {{'obj_id': {obj_id!r}, 'filter_id': {filter_id}, 'passed_at': "
                        f"{datetime.datetime.fromisoformat(passed_at).replace(tzinfo=datetime.timezone.utc)!r}, "
                        f"'passing_alert_id': {value!r}}}]\n"
                        "(Background on this error at: https://sqlalche.me/e/20/9h9h)")


class CandidateHandler(Handler):
    def head(self, obj_id: str | None = None) -> envelope.Response:
        if obj_id is not None and self._candidates(obj_id):
            return envelope.success({})
        return envelope.error(404, f"No candidate with object ID {obj_id}")

    def _candidates(self, obj_id: str, filter_id: int | None = None) -> list[dict[str, Any]]:
        """The object's candidate rows of filters the caller may see (for
        non-admins: filters of their groups, as CandidateHandler.head counts)."""
        rows = self.store.candidates("obj_id = ?", (obj_id,))
        if filter_id is not None:
            rows = [row for row in rows if row["filter_id"] == filter_id]
        if self.caller.is_admin:
            return rows
        groups = self.store.member_group_ids(self.caller)
        group_of = {found["id"]: found["group_id"] for found in self.store.filters()}
        return [row for row in rows if group_of.get(row["filter_id"]) in groups]

    def get(self, obj_id: str | None = None) -> envelope.Response:
        if obj_id is None:
            return self._list()
        if not self._candidates(obj_id):
            raise ApiError(400, "Invalid ID")
        return envelope.success(self._candidate(obj_id))

    def _candidate(self, obj_id: str) -> dict[str, Any]:
        obj = self.store.stored_obj(obj_id)
        values = obj_dict(obj)
        lon, lat = sky.galactic(obj["ra"], obj["dec"])
        accessible = self.store.accessible_group_ids(self.caller)
        return {
            **{key: values.get(key) for key in CANDIDATE_KEYS},
            # Photometry statistics are not emulated: SkyPortal's photstats list stays empty here.
            "photstats": [],
            "thumbnails": [thumbnail_dict(row) for row in self.store.thumbnails("obj_id = ?", (obj_id,))],
            "internal_key": obj["internal_key"], "associated_objs": [],
            "annotations": annotation_dicts(self.store, self.caller, obj_id),
            "is_source": len(self.store.active_sources(obj_id, accessible)),
            "last_detected_at": self._last_detected_at(obj_id),
            "gal_lon": lon, "gal_lat": lat, "luminosity_distance": None, "dm": None,
            "angular_diameter_distance": None,
        }

    def _last_detected_at(self, obj_id: str) -> str | None:
        detections = [point["mjd"] for point in self.store.readable_points(self.caller, "photometry.obj_id = ?",
                                                                            (obj_id,))
                      if not (isinstance(point["flux"], float) and math.isnan(point["flux"]))]
        if not detections:
            return None
        return (MJD_EPOCH + datetime.timedelta(days=max(detections))).replace(microsecond=0).isoformat()

    def _list(self) -> envelope.Response:
        filters = accessible_filters(self.store, self.caller)
        filter_ids = self.get_query_argument("filterIDs")
        group_ids = self.get_query_argument("groupIDs")
        if filter_ids:
            wanted = {int(value) for value in filter_ids.split(",")}
            filters = [found for found in filters if found["id"] in wanted]
        if group_ids:
            wanted = {int(value) for value in group_ids.split(",")}
            filters = [found for found in filters if found["group_id"] in wanted]
        # passing_group_ids counts every accessible filter the object passed, not only the queried ones.
        group_of = {found["id"]: found["group_id"] for found in accessible_filters(self.store, self.caller)}
        queried = {found["id"] for found in filters}
        rows = [row for row in self.store.candidates() if row["filter_id"] in queried]
        for name, keep in (("startDate", lambda row, moment: row["passed_at"] >= moment),
                           ("endDate", lambda row, moment: row["passed_at"] <= moment)):
            value = self.get_query_argument(name)
            if value:
                try:
                    moment = parse_moment(value)
                except ValueError as exc:
                    raise ApiError(400, f"Invalid {name} value: {exc}") from None
                rows = [row for row in rows if keep(row, moment)]
        latest: dict[str, str] = {}
        for row in rows:
            latest[row["obj_id"]] = max(latest.get(row["obj_id"], ""), row["passed_at"])
        obj_ids = sorted(latest, key=lambda obj_id: (-datetime.datetime.fromisoformat(latest[obj_id]).timestamp(),
                                                     obj_id))
        page = int(self.get_query_argument("pageNumber", "1"))
        per_page = int(self.get_query_argument("numPerPage", str(DEFAULT_CANDIDATES_PER_PAGE)))
        listed = []
        for obj_id in obj_ids[(page - 1) * per_page:page * per_page]:
            passing = sorted({row["filter_id"] for row in self.store.candidates("obj_id = ?", (obj_id,))
                              if row["filter_id"] in group_of})
            candidate = self._candidate(obj_id)
            listed.append({**candidate, "is_source": bool(candidate["is_source"]),
                           "passing_group_ids": [group_of[filter_id] for filter_id in passing], "tags": []})
        return envelope.success({"queryID": str(uuid.uuid4()), "pageNumber": page, "numPerPage": per_page,
                                 "totalMatches": len(obj_ids), "candidates": listed})

    @permissions("Upload data")
    def post(self) -> envelope.Response:
        data = self.get_json()
        if data.get("id") is None:
            raise ApiError(400, "Missing required parameter: `id`.")
        obj_id = data["id"] = str(data["id"])
        exists = self.store.obj_exists(obj_id)
        for key, name in (("ra", "RA"), ("dec", "Dec")):
            if data.get(key) is None and not exists:
                raise ApiError(400, f"{name} must not be null for a new Obj")
        passing_alert_id = data.pop("passing_alert_id", None)
        passed_at = data.pop("passed_at", None)
        if passed_at is None:
            raise ApiError(400, "Missing required parameter: `passed_at`.")
        try:
            passed_at = parse_moment(passed_at)
        except ValueError as exc:
            raise ApiError(400, f"Invalid passedAt value: {exc}") from None
        if "filter_ids" not in data:
            raise ApiError(400, "Missing required filter_ids parameter.")
        filter_ids = data.pop("filter_ids")
        properties: dict[str, Any] = {}
        if not exists:
            errors, properties = obj_schema_errors(data)
            if errors:
                raise ApiError(400, f"Invalid/missing parameters: {errors}")
        if not isinstance(filter_ids, list):
            raise ApiError(500, f"IN expression list, SELECT construct, or bound parameter object expected, "
                                f"got {filter_ids!r}.")
        wanted = {value for value in filter_ids if isinstance(value, int) and not isinstance(value, bool)}
        passing = [found["id"] for found in accessible_filters(self.store, self.caller)
                   if found["id"] in wanted]
        if not passing:
            raise ApiError(400, "At least one valid filter ID must be provided.")
        if passing_alert_id is not None:
            try:
                passing_alert_id = int(passing_alert_id)
            except (TypeError, ValueError):
                _bigint_refusal(obj_id, passing[0], passed_at, passing_alert_id)
        with self.store.transaction() as db:
            if not exists:
                ra, dec = properties.pop("ra"), properties.pop("dec")
                self.store.insert_obj(db, obj_id, ra, dec, properties)
            ids = self.store.candidate_ids(db, obj_id, passing, passed_at, passing_alert_id, self.caller.user_id)
        return envelope.success({"ids": ids})

    @permissions("Upload data")
    def delete(self, obj_id: str, filter_id: str) -> envelope.Response:
        rows = self._candidates(obj_id, int(filter_id))
        if not rows:
            raise ApiError(400, "Invalid (obj_id, filter_id) pairing - no matching candidates")
        self.store.delete_candidates([row["id"] for row in rows])
        return envelope.success({})

