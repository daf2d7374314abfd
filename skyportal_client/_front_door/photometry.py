"""``SkyPortal.photometry``: light curves in and out, point by point or whole.

Reading goes through ``light_curves``, many light curves and their cache through
``bulk_download``, drawing through ``light_curve_plot``, uploading and rolling back
through ``bulk_upload``; this class adds what a person means by name: an instrument or
groups given by name, a point read or changed by its id, an object drawn by its id.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Union,
)

from skyportal_client._front_door.groups import Groups, GroupsArgument
from skyportal_client._front_door.instruments import Instruments
from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client._front_door.names import NameOrId
from skyportal_client._front_door.streams import Streams, StreamsArgument
from skyportal_client._light_curves import download as bulk_download
from skyportal_client._light_curves import plot as light_curve_plot
from skyportal_client._light_curves import read as light_curves
from skyportal_client._light_curves.tables import converter, require
from skyportal_client._uploads.server_reads import ServerReads
from skyportal_client import bulk_upload
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.api_client import ApiClient
from skyportal_client._uploads.pipeline import checked_photometry
from skyportal_client.exceptions import ApiValueError, UploadValidationError
from skyportal_client.model.photometry_patch import PhotometryPatch

if TYPE_CHECKING:
    import astropy.table
    import pandas

# Points as ``as_`` asks: "records" (dicts as the server sends them), "astropy" or "pandas".
Points = Union[List[Dict[str, Any]], "astropy.table.Table", "pandas.DataFrame"]
TableKind = Literal["records", "astropy", "pandas"]
Format = Literal["mag", "flux", "both"]
Date = Union[datetime.datetime, str]
# The fields of a point that are no values of it (upload takes them as arguments, not columns).
POINT_SETTINGS = ("group_ids", "stream_ids")


@keyword_hints
class Photometry:
    """The photometry on the server. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = PhotometryApi(api_client)
        self._instruments = Instruments(api_client)
        self._groups = Groups(api_client)

    def get(self, obj_id: str, *, format: Format = "mag", magsys: str = "ab", as_: TableKind = "records") -> Points:
        """The light curve of ``obj_id``, sorted by mjd.

        Args:
            obj_id: the object's id, such as "ZTF21aaqjmps".
            format: "mag" (mag, magerr, limiting_mag), "flux" (flux, fluxerr in µJy, zp) or "both".
            magsys: the magnitude system of the output ("ab", "vega", ...).
            as_: "records" (a list of dicts), "astropy" (a Table with units, nulls masked) or
                "pandas" (a DataFrame, nulls NaN).

        Raises ForbiddenException (403) when the object does not exist or none of the token's
        groups can see it.
        """
        return light_curves.get_light_curve(self.api_client, obj_id, format=format, magsys=magsys, as_=as_)

    def range(self, *, instruments: Union[NameOrId, Iterable[NameOrId], None] = None,
              min_date: Optional[Date] = None, max_date: Optional[Date] = None,
              format: Literal["mag", "flux"] = "mag", magsys: str = "ab", as_: TableKind = "records") -> Points:
        """Every point the token's groups can see taken with ``instruments`` between
        ``min_date`` and ``max_date`` (inclusive, UTC: datetimes or ISO strings).

        ``instruments`` are names or ids, one or a list. At least one of the three filters
        is needed: without any, SkyPortal would send every point the token can see, in one
        answer. ``format`` is "mag" or "flux"; ``magsys`` and ``as_`` are as for ``get``.
        """
        converter(as_)  # a wrong as_, or astropy or pandas missing, fails before any request
        if instruments is None and min_date is None and max_date is None:
            raise ApiValueError("range() needs instruments=, min_date= or max_date=: without them SkyPortal would "
                                "send every point the token can see, in one answer")
        instrument_ids = None
        if instruments is not None:
            listed: List[Any] = [instruments] if isinstance(instruments, (str, int)) \
                or hasattr(instruments, "__index__") else list(instruments)
            if not listed:
                raise ApiValueError("instruments= is empty: name at least one instrument, or leave it out and give "
                                    "min_date= or max_date=")
            instrument_ids = [self._instruments.id_of(instrument) for instrument in listed]
        return light_curves.get_photometry_range(self.api_client, instrument_ids=instrument_ids, min_date=min_date,
                                                 max_date=max_date, format=format, magsys=magsys, as_=as_)

    def point(self, photometry_id: int, *, format: Format = "mag", magsys: str = "ab") -> Dict[str, Any]:
        """One point, by its id, with its groups and annotations.

        Raises BadRequestException (400) when it does not exist or the token cannot read it.
        """
        return self._api.api_photometry_photometry_id_get(photometry_id, format=format, magsys=magsys)["data"]

    def update(self, photometry_id: int, point: Union[PhotometryPatch, Mapping[str, Any]]) -> None:
        """Replaces the point ``photometry_id`` with ``point``, its complete new state.

        ``point`` holds obj_id, instrument_id, mjd, filter, magsys and either mag and magerr
        (limiting_mag for a non-detection) or flux, fluxerr and zp; optionally ra, dec,
        ra_unc, dec_unc, origin, altdata, group_ids. It is checked before sending. What it
        leaves out is not kept: coordinates left out become null (origin, altdata and the
        groups stay unless given). Read the point back with ``point``.

        It goes through the checks and conversions of ``upload``: units and times are
        converted, and a Julian Date, a magnitude sentinel such as 99 or a filter the
        instrument lacks raises UploadValidationError before anything is sent.
        """
        values = dict(point) if isinstance(point, Mapping) else point.to_dict()
        # Settings of the point as a whole, not values the upload checks take as columns.
        settings = {name: values.pop(name) for name in POINT_SETTINGS if name in values}
        try:
            _, normalised = checked_photometry(ServerReads(self.api_client), values, magsys=None)
        except UploadValidationError as error:  # one point: no row to name
            raise UploadValidationError([dataclasses.replace(problem, row=None) for problem in error.problems]) \
                from None
        if normalised.row_count != 1:
            raise ApiValueError(f"update() replaces one point, but the values given are lists of "
                                f"{normalised.row_count}: give each field one value")
        body = {name: column[0] for name, column in normalised.columns.items()} | settings
        self._api.api_photometry_photometry_id_patch(photometry_id, unknown_base_type=body)

    def delete(self, photometry_id: int) -> None:
        """Deletes one point. Deleting a point that is gone raises BadRequestException (400)."""
        self._api.api_photometry_photometry_id_delete(photometry_id)

    def upload(self, data: Any, *, obj_id: Optional[str] = None, instrument: Optional[NameOrId] = None,
               groups: Optional[GroupsArgument] = None, magsys: str = "ab", method: Literal["post", "put"] = "post",
               manifest: Union[str, os.PathLike, None] = None,
               progress: Union[bool, Callable[[int, int], Any], None] = None,
               chunk_size: Optional[int] = None, nan_as_nondetection: bool = False,
               report: Union[str, os.PathLike, None] = None,
               streams: Optional[StreamsArgument] = None) -> bulk_upload.UploadResult:
        """Checks every row of ``data`` and uploads it, in requests as large as the server takes.

        Args:
            data: a list of dicts (one per point), a dict of columns, an astropy Table, a
                pandas DataFrame, or the path of a .csv or .ecsv file. Columns: mjd, filter,
                then mag, magerr (limiting_mag for a non-detection) or flux, fluxerr, zp;
                optionally obj_id, instrument_id, magsys, origin, ra, dec, ..., and altdata
                (a dict per point, or one for all; SkyPortal leaves out its keys whose value
                is None or empty text, and stores an altdata with nothing else as null)
            obj_id: the object of every row, when ``data`` has no obj_id column.
            instrument: the instrument of every row, by name ("ZTF") or id, when ``data``
                has no instrument_id column.
            groups: who may see the points: group names or ids (one, or a list), or "all"
                (SkyPortal's public group). The uploader's own group always can.
            magsys: the magnitude system, when ``data`` has no magsys column.
            method: "post" (new points; refused if one is stored already; can be rolled back)
                or "put" (stored points keep their values and ids; safe to repeat; cannot be
                rolled back).
            manifest: a JSON file recording what has landed: run the same call again after
                a crash to send only the rest, and pass it to ``rollback`` to undo the upload.
            progress: True for a progress bar on stderr (tqdm), or a line per chunk without
                tqdm; or a function called with (rows done, rows in all).
            chunk_size: rows per request; by default the most the server takes (10 000,
                fewer when the points go to groups).
            nan_as_nondetection: read NaN (and empty flux cells of a CSV file) as nulls
                instead of refusing them: a NaN measurement makes its row a non-detection
                (see docs/tables.md).
            report: a file to write every problem the checks find to, as CSV.
            streams: the alert streams the points come from, by name or id (one, or a
                list), among those the token's user may read; with method="put", points
                stored already keep their streams and get these too.

        Returns an UploadResult: the id of every row, in input order, and the upload ids.
        Raises NameLookupError for an instrument or group name that names none (or more
        than one), and UploadValidationError naming every bad row; nothing is sent then.
        """
        # Each name is looked up once: the upload's checks take what the lookups found.
        reads = ServerReads(self.api_client)
        instrument_id = None if instrument is None else Instruments(self.api_client, reads).id_of(instrument)
        return bulk_upload.upload_photometry(
            self.api_client, data, obj_id=obj_id, instrument_id=instrument_id,
            group_ids=Groups(self.api_client, reads).ids_of(groups), magsys=magsys, method=method, manifest=manifest,
            progress=progress, chunk_size=chunk_size, nan_as_nondetection=nan_as_nondetection, report=report,
            stream_ids=None if streams is None else Streams(self.api_client).ids_of(streams), _reads=reads)

    def download(self, obj_ids: Iterable[str], *, cache: Union[str, os.PathLike, None] = None, format: Format = "mag",
                 magsys: str = "ab", as_: Optional[TableKind] = "records", max_age: Optional[float] = None,
                 workers: int = bulk_download.DEFAULT_WORKERS,
                 progress: bulk_download.Progress = None) -> bulk_download.DownloadReport:
        """The light curves of many objects, a few requests at a time within the rate limit.

        Args:
            obj_ids: the objects' ids; an id given twice is downloaded once.
            cache: a directory keeping each light curve in a CSV file, with the Etag of its
                answer: the next call downloads only the objects that changed on the server
                (the others cost a 304 each, without a body), and resumes an interrupted one.
            format, magsys, as_: as for ``get``; ``as_=None`` keeps no light curve in memory.
            max_age: seconds; a cached light curve the server confirmed less than this long
                ago is used without asking.
            workers: requests under way at once; together they keep to the rate limit.
            progress: True for a bar with an ETA on stderr (tqdm), or a line per object
                without tqdm; or a function of (ObjectResult, objects done, objects in all).

        Returns a DownloadReport: an ObjectResult per object, in the order given, saying
        whether it was fetched, unchanged or failed, and why; one object's failure never
        stops the others. See ``bulk_download.download_light_curves``.
        """
        return bulk_download.download_light_curves(self.api_client, obj_ids, cache=cache, format=format,
                                                   magsys=magsys, as_=as_, max_age=max_age, workers=workers,
                                                   progress=progress)

    def sync(self, cache: Union[str, os.PathLike], *, max_age: Optional[float] = None,
             workers: int = bulk_download.DEFAULT_WORKERS,
             progress: bulk_download.Progress = None) -> bulk_download.DownloadReport:
        """Brings every light curve of the cache directory ``cache`` up to date, each in the
        format it was downloaded in; the arguments are those of ``download``. Raises
        NoCacheError when ``cache`` holds no cache: ``download`` makes one, ``sync`` does not."""
        return bulk_download.sync_light_curves(self.api_client, cache, max_age=max_age, workers=workers,
                                               progress=progress)

    def plot(self, light_curve: Any, ax: Any = None, *, space: Optional[Literal["mag", "flux"]] = None,
             magsys: str = "ab", title: Optional[str] = None) -> Any:
        """Draws a light curve with matplotlib (the [plot] extra) on ``ax``, and returns ``ax``.

        ``light_curve`` is an object's id (its light curve is fetched, in ``space`` and
        ``magsys``), its points as ``get`` or ``download`` return them, or the path of a .csv
        or .ecsv file, such as a cached one. Magnitudes (``space="mag"``, the default when
        the points have them) or fluxes against MJD, a colour per filter, error bars,
        non-detections as downward triangles. See ``light_curve_plot.plot_light_curve``.
        """
        if isinstance(light_curve, str) and not light_curve.lower().endswith((".csv", ".ecsv")):
            require("matplotlib")  # missing, it fails before the light curve is fetched
            light_curve = self.get(light_curve, format=space or "mag", magsys=magsys)
        return light_curve_plot.plot_light_curve(light_curve, ax, space=space, title=title)

    def rollback(self, manifest: Union[str, os.PathLike], *, delete_settled: bool = False) -> bulk_upload.RollbackResult:
        """Deletes every point the POST upload recorded in ``manifest`` added; returns how many
        (a ``RollbackResult``, which also says how many were gone already).

        Needs the "Delete bulk photometry" permission. See ``bulk_upload.rollback`` for the
        points of a request whose answer was lost, which ``delete_settled`` is about.
        """
        return bulk_upload.rollback(self.api_client, manifest, delete_settled=delete_settled)
