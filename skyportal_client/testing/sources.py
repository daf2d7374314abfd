"""/api/sources and /api/source_exists: objects and the groups they are saved to.

POST follows SkyPortal's post_source: an object is created on its first
POST and only saved to more groups on later ones (a repeat never moves it);
every failure is a 400 "Failed to post source: <reason>" and stores nothing.
DELETE takes ``group_id`` from the JSON body and only unsaves the source
from that group; the object, and its photometry, stay.
GET pages as get_sources does (``numPerPage`` at most 500), and with
``useCache`` reads later pages from the query cache (query_cache.py).
"""

import math
import re
from collections.abc import Mapping
from typing import Any

from . import envelope, sky
from .accounts import Caller
from .base import Handler, permissions
from .envelope import ApiError
from .groups import group_dict, user_dict
from .storage import Store

OBJ_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_\-;:+.]+$")
DUPLICATE_RADIUS = 4 / 3600  # degrees: SkyPortal's "duplicates" cone
MAX_SOURCES_PER_PAGE = 500
DEFAULT_SOURCES_PER_PAGE = 100

# Obj columns a POST may set, by marshmallow field kind (id, ra and dec aside).
OBJ_FLOAT_COLUMNS = ("ra_dis", "dec_dis", "ra_err", "dec_err", "offset", "t0", "redshift", "redshift_error",
                     "dist_nearest_source", "mag_nearest_source", "e_mag_nearest_source", "score")
OBJ_TEXT_COLUMNS = ("redshift_origin", "summary", "mpc_name", "tns_name", "origin")
OBJ_BOOL_COLUMNS = ("transient", "varstar", "is_roid")
OBJ_JSON_COLUMNS = ("redshift_history", "summary_history", "altdata", "tns_info")
OBJ_OTHER_COLUMNS = ("alias", "host_id", "detect_photometry_count")
OBJ_DEFAULTS = {"offset": 0.0, "transient": False, "varstar": False, "is_roid": False}
MARSHMALLOW_TRUE = ("t", "true", "on", "y", "yes", "1", 1, True)
MARSHMALLOW_FALSE = ("f", "false", "off", "n", "no", "0", 0, False)
# The Obj.to_dict key order of SkyPortal's answers.
OBJ_KEYS = ("offset", "summary_history", "mpc_name", "dec", "t0", "altdata", "tns_name", "detect_photometry_count",
            "redshift", "dist_nearest_source", "tns_info", "ra", "ra_dis", "redshift_error", "mag_nearest_source",
            "score", "redshift_origin", "summary", "e_mag_nearest_source", "origin", "modified", "dec_dis",
            "redshift_history", "transient", "alias", "ra_err", "host_id", "varstar", "id", "dec_err", "is_roid",
            "healpix", "created_at", "internal_key")


class SourcePostError(Exception):
    """Why a source POST failed; SkyPortal answers 400 "Failed to post source: ..."."""


class _NotFinite(ValueError):
    """marshmallow's Float refuses NaN and infinities (allow_nan=False)."""


def _marshmallow_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    number = float(value)
    if not math.isfinite(number):
        raise _NotFinite
    return number


def obj_schema_errors(data: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Obj.__schema__().load(data) errors, and the loaded values."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "id":
            continue
        if value is None:
            values[key] = None
        elif key in ("ra", "dec", *OBJ_FLOAT_COLUMNS):
            try:
                values[key] = _marshmallow_number(value)
            except _NotFinite:
                errors[key] = ["Special numeric values (nan or infinity) are not permitted."]
            except (TypeError, ValueError):
                errors[key] = ["Not a valid number."]
        elif key in OBJ_TEXT_COLUMNS:
            if isinstance(value, str):
                values[key] = value
            else:
                errors[key] = ["Not a valid string."]
        elif key in OBJ_BOOL_COLUMNS:
            lowered = value.lower() if isinstance(value, str) else value
            if lowered in MARSHMALLOW_TRUE or lowered in MARSHMALLOW_FALSE:
                values[key] = lowered in MARSHMALLOW_TRUE
            else:
                errors[key] = ["Not a valid boolean."]
        elif key == "alias":
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                values[key] = value
            else:
                errors[key] = ["Not a valid list."]
        elif key in ("host_id", "detect_photometry_count"):
            if isinstance(value, int) and not isinstance(value, bool):
                values[key] = value
            else:
                errors[key] = ["Not a valid integer."]
        elif key in OBJ_JSON_COLUMNS:
            values[key] = value
        else:
            errors[key] = ["Unknown field."]
    return errors, values


def _group_ids_for(store: Store, caller: Caller, requested: Any) -> list[int]:
    """post_source's group resolution: the caller's groups by default; ids
    must parse as integers and, for non-admins, be groups they belong to."""
    member_ids = store.member_group_ids(caller)
    if requested is None:
        return sorted(member_ids)
    group_ids = []
    for group_id in requested:  # iterated as SkyPortal iterates it: a string goes letter by letter
        if caller.is_admin or int(group_id) in member_ids:
            group_ids.append(int(group_id))
        else:
            raise SourcePostError(f"Cannot find group_id {group_id}. Please remove and try again.")
    return group_ids


class SourceHandler(Handler):
    def head(self, obj_id: str | None = None) -> envelope.Response:
        if obj_id is not None and self.store.has_source_row(obj_id, self.caller):
            return envelope.success({})
        return envelope.Response(404, b"", "text/html; charset=UTF-8")

    def get(self, obj_id: str | None = None) -> envelope.Response:
        if obj_id is None:
            return self._list()
        obj = self.store.get_obj(obj_id.strip())
        if obj is None or not self.store.obj_readable(self.caller, obj["id"]):
            raise ApiError(404, "Source not found")
        lon, lat = sky.galactic(obj["ra"], obj["dec"])
        return envelope.success({
            **obj_dict(obj), "followup_requests": [], "galaxies": None, "duplicates": self._duplicates(obj),
            "assignments": [], "annotations": [], "classifications": [], "gal_lat": lat, "gal_lon": lon,
            "luminosity_distance": None, "dm": None, "angular_diameter_distance": None, "ebv": None,
            "tags": [], "groups": self._saved_groups(obj["id"]), "associated_objs": [],
        })

    def _duplicates(self, obj: Mapping[str, Any]) -> list[dict[str, Any]]:
        if obj["properties"].get("is_roid"):
            return []
        visible = self.store.accessible_group_ids(self.caller)
        near = [(obj_id, ra, dec) for obj_id, ra, dec in self.store.objs_with_sources_near(
            obj["ra"], obj["dec"], DUPLICATE_RADIUS, visible) if obj_id != obj["id"]]
        near = [entry for entry in near if not (self.store.stored_obj(entry[0])["properties"].get("is_roid"))]
        duplicates = [{"obj_id": obj_id, "ra": ra, "dec": dec,
                       "separation": sky.separation(obj["ra"], obj["dec"], ra, dec) * 3600}
                      for obj_id, ra, dec in near]
        return sorted(duplicates, key=lambda duplicate: duplicate["separation"])

    def _saved_groups(self, obj_id: str) -> list[dict[str, Any]]:
        """The groups the object is saved to, with who saved it and when."""
        return [{**group_dict(group, with_streams=False), "active": group["active"], "requested": group["requested"],
                 "saved_at": group["saved_at"], "saved_by": user_dict(self.store.get_user(group["saved_by_id"]))}
                for group in self.store.active_sources(obj_id, self.store.accessible_group_ids(self.caller))]

    def _list(self) -> envelope.Response:
        try:
            page = int(self.get_query_argument("pageNumber", "1"))
        except ValueError:
            raise ApiError(400, "Invalid page number value.") from None
        try:
            per_page = int(self.get_query_argument("numPerPage", str(DEFAULT_SOURCES_PER_PAGE)))
        except ValueError:
            raise ApiError(400, "Invalid numPerPage value.") from None
        if page < 1:
            raise ApiError(400, "Page number must be greater than 0.")
        if per_page < 1:
            raise ApiError(400, "Number per page must be greater than 0.")
        per_page = min(per_page, MAX_SOURCES_PER_PAGE)
        # SkyPortal tests the raw text: any non-empty useCache, "false" too, turns the cache on.
        use_cache = bool(self.get_query_argument("useCache", ""))
        query_id = self.get_query_argument("queryID")
        if use_cache and query_id is None and page > 1:
            raise ApiError(400, "Cannot retrieve sources: Cannot use cache and not specify a query_id when "
                                "requesting a page number > 1")
        if use_cache and query_id is not None and page == 1:
            raise ApiError(400, "Cannot retrieve sources: Cannot use cache and specify a query_id when "
                                "requesting the first page")
        group_ids = self._listed_group_ids()
        cached = self.store.source_queries.recall(query_id) if use_cache and query_id is not None else None
        obj_ids = cached if cached is not None else self._matching_obj_ids(group_ids)
        data: dict[str, Any] = {"totalMatches": len(obj_ids), "sources": [], "pageNumber": page,
                                "numPerPage": per_page}
        if len(group_ids) == 1:
            data["group_id"] = group_ids[0]
        if use_cache and obj_ids:  # an empty result is not cached and has no queryID
            data["queryID"] = query_id if cached is not None else self.store.source_queries.remember(obj_ids)
        for obj_id in obj_ids[(page - 1) * per_page:page * per_page]:
            obj = self.store.stored_obj(obj_id)
            lon, lat = sky.galactic_for_source_list(obj["ra"], obj["dec"])
            data["sources"].append({
                **obj_dict(obj), "groups": self._saved_groups(obj_id), "gal_lon": lon, "gal_lat": lat,
                "luminosity_distance": None, "dm": None, "angular_diameter_distance": None,
                "classifications": [], "annotations": [], "tags": []})
        return envelope.success(data)

    def _matching_obj_ids(self, group_ids: list[int]) -> list[str]:
        """The ids the list's filters match, the most recently saved first."""
        obj_ids = self.store.source_obj_ids(group_ids or sorted(self.store.accessible_group_ids(self.caller)))
        source_id = self.get_query_argument("sourceID")
        if source_id:
            obj_ids = [obj_id for obj_id in obj_ids if _sql_like(f"%{source_id}%", obj_id)]
        return obj_ids

    def _listed_group_ids(self) -> list[int]:
        """get_sources' group filter: ``group_ids`` if given (each accessible
        to a non-admin), else a non-admin's accessible groups; [] means all."""
        accessible = self.store.accessible_group_ids(self.caller)
        requested = self.get_query_argument("group_ids")
        if requested is None:
            return [] if self.caller.is_admin else sorted(accessible)
        try:
            group_ids = [int(value) for value in requested.split(",")]
        except ValueError:  # raised outside the handler's try: a 500
            raise ApiError(500, f"Invalid group_ids field ({requested}; Could not parse all elements to "
                                "integers") from None
        if not set(group_ids) <= accessible and not self.caller.is_admin:
            raise ApiError(400, "Cannot retrieve sources: Selected group(s) not all accessible to user.")
        return group_ids

    @permissions("Upload data")
    def post(self) -> envelope.Response:
        data = self.get_json()
        data.pop("refresh_source", None)
        try:
            obj_id, saved_to = self._save(data)
        except SourcePostError as exc:
            raise ApiError(400, f"Failed to post source: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:  # what SkyPortal's own code raises on odd input
            raise ApiError(400, f"Failed to post source: {exc}") from None
        return envelope.success({"id": obj_id, "saved_to_groups": saved_to})

    def _save(self, data: dict[str, Any]) -> tuple[str, list[int]]:
        obj_id = str(data["id"])
        if " " in obj_id:
            raise SourcePostError("No spaces allowed in source ID")
        if not OBJ_ID_PATTERN.match(obj_id):
            raise SourcePostError("Only letters, numbers, underscores, semicolons, colons, +, -, and periods "
                                  "are allowed in source ID")
        ra, dec = data.get("ra"), data.get("dec")
        existing = self.store.get_obj(obj_id)
        if existing is not None and not self.store.obj_readable(self.caller, obj_id):
            existing = None
        if existing is None and (ra is None or dec is None):
            raise SourcePostError("RA/Declination must not be null for a new Obj")
        group_ids = _group_ids_for(self.store, self.caller, data.pop("group_ids", None))
        if not group_ids:
            raise SourcePostError("Invalid group_ids field. Please specify at least one valid group ID that "
                                  "you belong to.")
        ignored = self._ignored_groups(data, group_ids, existing)
        if "saver_per_group_id" in data:
            raise SourcePostError("saver_per_group_id is not emulated by the embedded test server")
        properties: dict[str, Any] = {}
        if existing is None:
            errors, properties = obj_schema_errors(data)
            if errors:
                raise SourcePostError(f"Invalid/missing parameters: {errors}")
        found = self.store.existing_group_ids(group_ids)
        if not found:
            raise SourcePostError("Invalid group_ids field. Please specify at least one valid group ID that "
                                  "you belong to.")
        if found != set(group_ids):
            raise SourcePostError("Not all group_ids could be loaded.")
        position = (float(ra), float(dec)) if ra is not None and dec is not None else (None, None)
        ra_value, dec_value = properties.pop("ra", position[0]), properties.pop("dec", position[1])
        saved = [group_id for group_id in dict.fromkeys(group_ids) if group_id not in ignored]
        self.store.save_source(obj_id, ra_value, dec_value, properties, saved, self.caller.user_id)
        return obj_id, list(set(group_ids) - set(ignored))

    def _ignored_groups(self, data: Mapping[str, Any], group_ids: list[int],
                        existing: Mapping[str, Any] | None) -> set[int]:
        """Groups not to save to because the object is already saved to one
        of the groups ``ignore_if_in_group_ids`` lists for them."""
        if "ignore_if_in_group_ids" not in data:
            return set()
        rules = data["ignore_if_in_group_ids"]
        if not isinstance(rules, dict):
            raise SourcePostError("Invalid ignore_if_in_group_ids field. Please specify a dict of group_ids to "
                                  "ignore.")
        rules = {int(group_id): [int(other) for other in others] for group_id, others in rules.items()}
        if not set(rules) <= set(group_ids):
            raise SourcePostError(
                "Invalid ignore_if_in_group_ids field. Please specify a dictwhich groups are in the group_ids "
                "field, and values are lists of group_ids for which if there is a source, cancel saving to the "
                "associated group_id from the key")
        if existing is None:
            return set()
        return {group_id for group_id, others in rules.items()
                if others and self.store.active_sources(existing["id"], others)}

    @permissions("Manage sources")
    def delete(self, obj_id: str) -> envelope.Response:
        group_id = self.get_json().get("group_id")
        if group_id is None:
            raise ApiError(400, "Missing required parameter `group_id`")
        if group_id not in self.store.accessible_group_ids(self.caller):  # compared as given: "4" is not 4
            raise ApiError(400, "Inadequate permissions.")
        if isinstance(group_id, bool):  # True == 1 passes, then PostgreSQL refuses to compare
            raise ApiError(500, "(psycopg.errors.UndefinedFunction) operator does not exist: integer = boolean\n"
                                "HINT:  No operator matches the given name and argument types. You might need to "
                                "add explicit type casts.")
        if not self.store.unsave_source(obj_id, group_id, self.caller):
            raise ApiError(400, f"No such source {obj_id} in group {group_id}.")
        return envelope.success({})


def _sql_like(pattern: str, text: str) -> bool:
    """PostgreSQL's case-sensitive LIKE: % and _ are wildcards, backslash escapes."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.fullmatch("".join(parts), text, re.DOTALL) is not None


def obj_dict(obj: Mapping[str, Any]) -> dict[str, Any]:
    values = {**OBJ_DEFAULTS, **obj["properties"], **obj}
    return {key: values.get(key) for key in OBJ_KEYS}


class SourceExistsHandler(Handler):
    def get(self, obj_id: str | None = None) -> envelope.Response:
        ra, dec, radius = (self.get_float_argument(name) for name in ("ra", "dec", "radius"))
        by_position = bool(ra and dec and radius)  # SkyPortal's test: a zero counts as missing
        if not (by_position or obj_id):
            raise ApiError(400, "Provide an obj_id, or either ra, dec, and radius for spatial filtering.")
        if obj_id and self.store.obj_exists(obj_id) and self.store.obj_readable(self.caller, obj_id):
            return envelope.success({"source_exists": True,
                                     "message": f"A source with the name {obj_id} already exists."})
        if not (ra and dec and radius):  # then obj_id is given
            return envelope.success({"source_exists": False,
                                     "message": f"No sources exist with the name {obj_id}."})
        visible = self.store.accessible_group_ids(self.caller)
        # A set, as in SkyPortal: the order of several names is not stable.
        names = list({found for found, _, _ in self.store.objs_with_sources_near(ra, dec, radius, visible)})
        if len(names) == 1:
            message = f"A source at that location already exists: {names[0]}."
        elif names:
            message = f"Sources at that location already exist: {','.join(names)}."
        else:
            suffix = f" or with the name {obj_id}" if obj_id else ""
            return envelope.success({"source_exists": False, "message": f"No sources exist at this location{suffix}."})
        return envelope.success({"source_exists": True, "message": message})
