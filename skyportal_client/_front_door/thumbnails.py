"""``SkyPortal.thumbnails``: an object's cutout images (new, reference, difference), one per type.

SkyPortal stores a second image of a type as a new row pointing at the same file, which the
new image overwrites, and deleting any of those rows deletes that file. Replacing an image by
posting the new one first and then deleting the old row would therefore delete the new image's
file too, leaving a row that shows nothing. So ``upload`` deletes the old rows of a type first
and posts the new image right after: everything that SkyPortal would refuse is refused before
any request, so only a lost connection between the two can leave the type without an image,
and running the same upload again puts it back.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Mapping, Optional

from skyportal_client._front_door.candidates import Candidates
from skyportal_client._front_door.cutouts import Image, as_png
from skyportal_client._front_door.keywords import keyword_hints
from skyportal_client.api.system_info_api import SystemInfoApi
from skyportal_client.api.thumbnails_api import ThumbnailsApi
from skyportal_client.api_client import ApiClient
from skyportal_client.exceptions import ApiValueError, BadRequestException
from skyportal_client.model.new_thumbnail import NewThumbnail
from skyportal_client.model.thumbnail import Thumbnail

# SkyPortal's answer to deleting a thumbnail that is not there.
GONE = "Cannot find Thumbnail with ID"


@keyword_hints
class Thumbnails:
    """The thumbnails of objects. Every method sends its requests through ``api_client``."""

    def __init__(self, api_client: ApiClient):
        self.api_client = api_client
        self._api = ThumbnailsApi(api_client)
        self._candidates = Candidates(api_client)

    def list(self, obj_id: str) -> List[Dict[str, Any]]:
        """The thumbnails of the candidate ``obj_id``: each one's ``id``, ``type`` and
        ``public_url`` (where the server serves the image, relative to its host)."""
        return self._candidates.get(obj_id)["thumbnails"]

    def get(self, thumbnail_id: int) -> Thumbnail:
        """One thumbnail's record, by id; BadRequestException (400) when there is none."""
        return self._api.api_thumbnail_thumbnail_id_get(thumbnail_id).data

    def upload(self, obj_id: str, images: Optional[Mapping[str, Image]] = None, *, new: Optional[Image] = None,
               ref: Optional[Image] = None, sub: Optional[Image] = None) -> Dict[str, int]:
        """Makes ``new``, ``ref`` and ``sub`` (and ``images``, by type, for the other types
        of SkyPortal's ``thumbnail_types``, such as "ps1") the thumbnails of the candidate
        ``obj_id``, each replacing the object's image of that type.

        Each image is PNG bytes, the bytes of a FITS cutout (gzipped or not), its path (a
        pathlib.Path) or a 2-D array; FITS and arrays are drawn as the cutouts module says
        (astropy's ZScaleInterval and LinearStretch, in gray; the ``astropy`` extra). Every
        image is checked before anything is sent: PNG only, 16 to 500 pixels a side, a type
        the server knows. Safe to repeat: each type ends with one image.

        Returns the new thumbnail id of each type.
        """
        given = dict(images or {})
        for ttype, image in (("new", new), ("ref", ref), ("sub", sub)):
            if image is not None:
                if ttype in given:
                    raise ApiValueError(f"the {ttype!r} image is given twice, as {ttype}= and in images")
                given[ttype] = image
        if not given:
            raise ApiValueError("upload() needs at least one image: new=, ref=, sub= or images={type: image}")
        known = SystemInfoApi(self.api_client).api_enum_types_get().data.get("THUMBNAIL_TYPES") or []
        unknown = sorted(ttype for ttype in given if ttype not in known)
        if unknown:
            raise ApiValueError(f"Unknown thumbnail type(s) {', '.join(map(repr, unknown))}: the server takes "
                                f"{', '.join(known)}")
        pngs = {ttype: as_png(f"the {ttype!r} image", image) for ttype, image in given.items()}
        stored = self.list(obj_id)
        ids = {}
        for ttype, png in pngs.items():
            for old in stored:
                if old["type"] == ttype:
                    self._delete(old["id"])
            posted = self._api.api_thumbnail_post(new_thumbnail=NewThumbnail(
                obj_id=obj_id, ttype=ttype, data=base64.b64encode(png).decode("ascii")))
            ids[ttype] = posted.data["id"]
        return ids

    def _delete(self, thumbnail_id: int) -> None:
        """Deletes the row, or finds it gone: deleted by a retry whose first answer was lost, or by another worker."""
        try:
            self._api.api_thumbnail_thumbnail_id_delete(thumbnail_id)
        except BadRequestException as refused:
            if not (refused.message or "").startswith(GONE):
                raise
