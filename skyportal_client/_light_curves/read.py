"""Light curves out of SkyPortal: an object's points, or a range query, as records or tables.

Example (against the embedded test server)::

    >>> import skyportal_client
    >>> from skyportal_client.testing import SkyPortalTestServer, provision
    >>> from skyportal_client._light_curves.read import get_light_curve
    >>> with SkyPortalTestServer() as server:
    ...     setup = provision(server.url, server.token)
    ...     configuration = skyportal_client.Configuration(host=server.url, token=server.token)
    ...     with skyportal_client.ApiClient(configuration) as api_client:
    ...         get_light_curve(api_client, setup.obj_id)
    []
"""

import dataclasses
import datetime
from typing import Any, List, Optional, Union

from skyportal_client._light_curves.columns import decode_light_curve
from skyportal_client._light_curves.tables import converter
from skyportal_client._transport.options import RequestOptions
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.api_client import ApiClient


def _envelope(api_client: ApiClient, options: RequestOptions, as_: str) -> Any:
    """The answer to ``options``; for a table, decoded straight to columns (with msgspec
    installed), since no dict per point is needed."""
    if as_ != "records":
        options = dataclasses.replace(options, decoder=decode_light_curve)
    return api_client.call_api(options)


def get_light_curve(api_client: ApiClient, obj_id: str, *, format: str = "mag", magsys: str = "ab",
                    as_: str = "records") -> Any:
    """The photometry of object ``obj_id``, sorted by mjd.

    Args:
        api_client: an ApiClient.
        obj_id: the object's id, e.g. "ZTF21testobj".
        format: "mag" (mag, magerr, limiting_mag), "flux" (flux, fluxerr in µJy, zp)
            or "both".
        magsys: the magnitude system of the output, "ab" by default.
        as_: "records" (a list of dicts, as the server sends them), "astropy" (a
            Table with units and masked nulls) or "pandas" (a DataFrame, nulls NaN).
            With the [fast] extra, a table is decoded from the answer column by column,
            without a dict per point.

    Raises ForbiddenException (403) when the object does not exist or the token
    cannot read it.
    """
    convert = converter(as_)
    options = PhotometryApi._api_sources_obj_id_photometry_get_options(obj_id, format, magsys)
    return convert(_envelope(api_client, options, as_)["data"])


def get_photometry_range(api_client: ApiClient, *, instrument_ids: Optional[List[int]] = None,
                         min_date: Union[str, datetime.datetime, None] = None,
                         max_date: Union[str, datetime.datetime, None] = None,
                         format: str = "mag", magsys: str = "ab", as_: str = "records") -> Any:
    """The points taken with ``instrument_ids`` between ``min_date`` and ``max_date``
    (datetimes or ISO strings, UTC, inclusive), as far as the token's groups see them.

    Leaving every filter out asks for every point the token can see, unpaginated,
    which on a large server is slow: name at least the instruments or the dates.
    ``format`` is "mag" or "flux"; ``magsys`` and ``as_`` are as for ``get_light_curve``.
    """
    convert = converter(as_)
    query = {key: value for key, value in
             (("instrument_ids", instrument_ids), ("min_date", min_date), ("max_date", max_date))
             if value is not None}
    options = PhotometryApi._api_photometry_range_get_options(format, magsys, query)
    return convert(_envelope(api_client, options, as_)["data"])
