"""Download many light curves at once, and keep a local cache of them in sync with the server.

``download_light_curves`` fetches the photometry of many objects with a few threads
sharing one ApiClient, and so its rate limit: together they never send more requests
than the client's ``rate_limit`` allows (by default SkyPortal's own 5 per second), so
the server never answers 429. Each object gets its own result, fetched, unchanged or
failed and why; one object's failure never stops the others.

With ``cache=DIR`` every light curve is kept in a file (see ``_light_curves.cache``) with
the Etag of its answer. The next run sends that Etag as If-None-Match: SkyPortal answers
304 Not Modified, without a body, for an object whose photometry did not change, and the
file is used as it is; changed objects are downloaded again. A run that was interrupted
is resumed by running it again: what it cached is confirmed by a 304 each, or, with
``max_age``, not asked about at all. ``sync_light_curves`` does the same for every light
curve a cache holds.

Example (against the embedded test server)::

    >>> import tempfile
    >>> import skyportal_client
    >>> from skyportal_client.testing import SkyPortalTestServer, provision
    >>> from skyportal_client._light_curves.download import download_light_curves
    >>> with SkyPortalTestServer() as server, tempfile.TemporaryDirectory() as cache:
    ...     setup = provision(server.url, server.token)
    ...     configuration = skyportal_client.Configuration(host=server.url, token=server.token)
    ...     with skyportal_client.ApiClient(configuration) as api_client:
    ...         print(download_light_curves(api_client, [setup.obj_id], cache=cache).summary())
    ...         print(download_light_curves(api_client, [setup.obj_id], cache=cache).summary())
    1 object: 1 fetched, 0 unchanged, 0 failed
    1 object: 0 fetched, 1 unchanged, 0 failed
"""

from __future__ import annotations

import dataclasses
import os
from concurrent import futures
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from skyportal_client._light_curves.cache import NOT_CACHED, CacheEntry, LightCurveCache
from skyportal_client._light_curves.tables import converter
from skyportal_client._models.parameters import check_choice
from skyportal_client._util.checks import is_integer, is_number
from skyportal_client._util.progress import Progress as ProgressReport
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import (
    ApiTypeError,
    ApiValueError,
    OpenApiException,
    UnauthorizedException,
)
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload

FETCHED, UNCHANGED, FAILED = "fetched", "unchanged", "failed"
# The answers the cache and the plot know how to keep and draw: magnitudes, fluxes, or both.
FORMATS = ("mag", "flux", "both")
MAGNITUDE_SYSTEMS: Tuple[str, ...] = tuple(PhotometryMagUpload.fields["magsys"].enum or ())  # as openapi.yaml lists them
DEFAULT_WORKERS = 4

Progress = Union[None, bool, Callable[["ObjectResult", int, int], Any]]
# What turns a light curve's points into what ``as_`` asks for.
Converter = Callable[[List[Dict[str, Any]]], Any]


@dataclasses.dataclass(frozen=True)
class ObjectResult:
    """What happened to one object's light curve.

    ``status`` is "fetched" (downloaded: new, changed on the server, or its cached file
    was damaged), "unchanged" (the server answered 304, or ``max_age`` said the cached
    file is recent enough to use without asking) or "failed"; ``reason`` says why, for a
    failure in the server's own words. ``points`` counts the points, ``path`` is the
    cached file (None without a cache), ``light_curve`` the points as ``as_`` asked
    (None when ``as_`` is None or the object failed), ``error`` the exception of a failure.
    """

    obj_id: str
    format: str
    magsys: str
    status: str
    reason: str
    points: Optional[int] = None
    path: Optional[str] = None
    light_curve: Any = dataclasses.field(default=None, repr=False)
    error: Optional[Exception] = dataclasses.field(default=None, repr=False)

    def describe(self) -> str:
        """One line: "ZTF21abc: fetched, 12 points (changed on the server)"."""
        points = f", {self.points} point{'s' if self.points != 1 else ''}" if self.points is not None else ""
        return f"{self.obj_id}: {self.status}{points} ({self.reason})"


@dataclasses.dataclass(frozen=True)
class DownloadReport:
    """Every object's ObjectResult, in the order the objects were given."""

    results: Tuple[ObjectResult, ...]

    def __iter__(self) -> Iterator[ObjectResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def _with(self, status: str) -> List[ObjectResult]:
        return [result for result in self.results if result.status == status]

    @property
    def fetched(self) -> List[ObjectResult]:
        return self._with(FETCHED)

    @property
    def unchanged(self) -> List[ObjectResult]:
        return self._with(UNCHANGED)

    @property
    def failed(self) -> List[ObjectResult]:
        return self._with(FAILED)

    @property
    def light_curves(self) -> Dict[str, Any]:
        """{obj_id: light curve} of every object that did not fail, when ``as_`` was not None."""
        return {result.obj_id: result.light_curve for result in self.results if result.light_curve is not None}

    def summary(self) -> str:
        """"200 objects: 3 fetched, 197 unchanged, 0 failed"."""
        count = len(self.results)
        return (f"{count} object{'s' if count != 1 else ''}: {len(self.fetched)} fetched, "
                f"{len(self.unchanged)} unchanged, {len(self.failed)} failed")


def download_light_curves(api_client: ApiClient, obj_ids: Iterable[str], *,
                          cache: Union[str, os.PathLike, None] = None, format: str = "mag",
                          magsys: str = "ab", as_: Optional[str] = "records", max_age: Optional[float] = None,
                          workers: int = DEFAULT_WORKERS, progress: Progress = None) -> DownloadReport:
    """Download the light curves of ``obj_ids``, reusing the cached ones the server says are current.

    Args:
        api_client: an ApiClient. Its threads share its rate limit: with the default
            ``rate_limit`` no more than SkyPortal's 5 requests per second go out, however
            many ``workers`` there are. With ``rate_limit=None`` nothing but ``workers``
            bounds them.
        obj_ids: the objects' ids; an id given twice is downloaded once.
        cache: a directory (made if missing) that keeps every light curve in a CSV file and
            its Etag beside it, so that a later run downloads only what changed.
        format: "mag", "flux" or "both", as for ``get_light_curve``.
        magsys: the magnitude system of the output.
        as_: "records", "astropy" or "pandas": each result's ``light_curve``, as for
            ``get_light_curve``; None keeps none in memory (the files are the result).
        max_age: seconds. A cached light curve that the server sent or confirmed less than
            this long ago is used without asking, so that resuming a large interrupted run
            costs nothing for what it already did. None (the default) asks about each.
        workers: threads sending requests, at most the configuration's
            ``connection_pool_maxsize``.
        progress: None for none; True for a bar with an ETA on stderr (the [progress]
            extra, tqdm) or, without tqdm, a line per object; or a function called with
            (ObjectResult, objects done, objects in all) as each object finishes.

    Returns a DownloadReport. Raises before sending anything for bad arguments, and
    CacheError for a cache directory of another server; the ids themselves are checked
    per object (one SkyPortal cannot route fails alone, before its request is sent). After
    a 401 (a token the server does not know) the objects not yet asked are not sent: they
    fail with that reason. KeyboardInterrupt stops the run once the requests under way have
    finished, with their files written whole.
    """
    ids = _object_ids(obj_ids)
    check_choice("format", format, FORMATS, required=True)
    check_choice("magsys", magsys, MAGNITUDE_SYSTEMS, required=True)
    if max_age is not None and not (is_number(max_age) and max_age >= 0):
        raise ApiValueError(f"max_age must be None or a number of seconds of 0 or more, not {max_age!r}")
    convert = converter(as_) if as_ is not None else None
    store = LightCurveCache(cache, api_client.configuration.host) if cache is not None else None
    return _run(api_client, [(obj_id, format, magsys) for obj_id in ids], store, convert, max_age, workers, progress)


def sync_light_curves(api_client: ApiClient, cache: Union[str, os.PathLike], *, max_age: Optional[float] = None,
                      workers: int = DEFAULT_WORKERS, progress: Progress = None) -> DownloadReport:
    """Bring every light curve in the cache directory ``cache`` up to date with the server.

    Each is asked for with the format and magnitude system it was cached with: one
    that changed on the server is downloaded again, the others cost a 304 each (or
    nothing, within ``max_age``). A cached file found damaged is downloaded again.
    The arguments are those of ``download_light_curves``; the report keeps no light
    curves in memory. Raises NoCacheError (a CacheError) when ``cache`` is no cache
    (a download makes one), and CacheError when it caches another server.
    """
    store = LightCurveCache(cache, api_client.configuration.host, create=False)
    return _run(api_client, store.keys(), store, None, max_age, workers, progress)


def _object_ids(obj_ids: Iterable[str]) -> List[str]:
    if isinstance(obj_ids, str):
        raise ApiTypeError(f"obj_ids must be a list of ids, not the string {obj_ids!r}: pass [{obj_ids!r}]")
    ids = list(obj_ids)
    wrong = [obj_id for obj_id in ids if not isinstance(obj_id, str)]
    if wrong:
        raise ApiTypeError(f"Every obj_id must be a string; got {', '.join(repr(obj_id) for obj_id in wrong[:5])}")
    return list(dict.fromkeys(ids))


def _run(api_client: ApiClient, keys: Sequence[Tuple[str, str, str]], store: Optional[LightCurveCache],
         convert: Optional[Converter], max_age: Optional[float], workers: int, progress: Progress) -> DownloadReport:
    pool_size = api_client.configuration.connection_pool_maxsize
    if not is_integer(workers) or not 1 <= workers <= pool_size:
        raise ApiValueError(f"workers must be a whole number from 1 to the client's connection_pool_maxsize "
                            f"({pool_size}), not {workers!r}; raise connection_pool_maxsize for more")
    job = _Job(PhotometryApi(api_client), store, convert, max_age)
    results: Dict[int, ObjectResult] = {}
    with ProgressReport(progress, len(keys), unit="object", describe=ObjectResult.describe) as report:
        executor = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="skyportal_client-download")
        try:
            pending = {executor.submit(job.one, *key): index for index, key in enumerate(keys)}
            for done, future in enumerate(futures.as_completed(pending), start=1):
                result = results[pending[future]] = future.result()
                report(done, result)
        finally:
            # On an interrupt, what has not started is dropped, and what has waits to write its files whole.
            executor.shutdown(wait=True, cancel_futures=True)
    return DownloadReport(tuple(results[index] for index in range(len(keys))))


class _Job:
    """What every worker thread does for one (obj_id, format, magsys)."""

    def __init__(self, api: PhotometryApi, store: Optional[LightCurveCache], convert: Optional[Converter],
                 max_age: Optional[float]):
        self.api = api
        self.store = store
        self.convert = convert
        self.max_age = max_age
        self._refused: Optional[UnauthorizedException] = None  # once set, nothing more is sent

    def one(self, obj_id: str, format: str, magsys: str) -> ObjectResult:
        entry, why_not = self.store.lookup(obj_id, format, magsys) if self.store else (None, "")
        if entry is not None and self.max_age is not None:
            age = entry.age()
            if age < self.max_age:
                return self._from_cache(entry, f"confirmed {age:.0f} s ago, within max_age: not asked")
        refused = self._refused
        if refused is not None:
            return ObjectResult(obj_id, format, magsys, FAILED, f"not sent, after a 401 for another object: {refused}",
                                error=refused)
        conditional = {"If-None-Match": entry.etag} if entry is not None and entry.etag else None
        try:
            answer: Any = self.api.api_sources_obj_id_photometry_get(  # (envelope, status, headers)
                obj_id, format=format, magsys=magsys, _return_http_data_only=False, _headers=conditional)
        except UnauthorizedException as error:
            self._refused = error
            return _failure(obj_id, format, magsys, error)
        except OpenApiException as error:  # the server's refusal, no answer, or a value refused before sending
            return _failure(obj_id, format, magsys, error)
        envelope, status, headers = answer
        if status == 304 and self.store is not None and entry is not None:  # only a conditional GET gets one
            try:
                entry = self.store.confirm(entry)
            except OSError as error:
                return _failure(obj_id, format, magsys, error, "cannot update the cache: ")
            return self._from_cache(entry, "not modified on the server (304)")
        points: List[Dict[str, Any]] = envelope["data"]
        if self.store is None:
            reason = "downloaded"
        else:
            reason = "changed on the server" if entry is not None else "new" if why_not == NOT_CACHED else why_not
        path = None
        if self.store is not None:
            try:
                path = self.store.store(obj_id, format, magsys, points, headers.get("Etag"),
                                        envelope.get("version")).csv_path
            except OSError as error:
                return _failure(obj_id, format, magsys, error, "cannot write the cache: ")
        return ObjectResult(obj_id, format, magsys, FETCHED, reason, len(points), path,
                            self.convert(points) if self.convert else None)

    def _from_cache(self, entry: CacheEntry, reason: str) -> ObjectResult:
        light_curve = self.convert(entry.read()) if self.convert else None
        return ObjectResult(entry.obj_id, entry.format, entry.magsys, UNCHANGED, reason, entry.points,
                            entry.csv_path, light_curve)


def _failure(obj_id: str, format: str, magsys: str, error: Exception, prefix: str = "") -> ObjectResult:
    return ObjectResult(obj_id, format, magsys, FAILED, f"{prefix}{error}", error=error)
