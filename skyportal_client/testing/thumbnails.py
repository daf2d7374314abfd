"""/api/thumbnail: PNG cutouts of an object, and the files they are served from.

Read from SkyPortal's post_thumbnail (revision 8bd346c0): the object is
checked first, then the image (base64, PNG only, 16 to 500 px a side), and
the type last, by the database's ``thumbnail_types`` enum; every failure is
400 "Thumbnail failed to post: <exception text>".  A second thumbnail of a
type is a new row pointing at the same file, which it overwrites; deleting
any of those rows deletes the file (SkyPortal's delete_thumbnail_from_disk).  The
files are served at their ``public_url`` (``/static/thumbnails/...``) as
nginx serves SkyPortal's static directory.  ``is_grayscale`` is true for
one-band PNGs (gray or palette) and false for gray with alpha; for RGB
images SkyPortal's colour measure is not emulated and it is null.
"""

import base64
import hashlib
import struct
from collections.abc import Mapping
from typing import Any

from . import envelope
from .base import Handler, permissions, public
from .bodies import Field, parse_body
from .envelope import ApiError

THUMBNAIL_TYPES = ("new", "ref", "sub", "sdss", "dr8", "ls", "ps1", "sm", "hst", "chandra", "jwst", "new_gz",
                   "ref_gz", "sub_gz")
THUMBNAIL_KEYS = ("origin", "type", "file_uri", "obj_id", "id", "created_at", "public_url", "survey",
                  "is_grayscale", "modified")
POST_BODY = {"obj_id": Field("str", required=True), "data": Field("str", required=True),
             "ttype": Field("str", required=True), "survey": Field("str")}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Formats Pillow identifies that are not PNG, by their first bytes.
OTHER_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
SERVER_ROOT = "/skyportal"  # where SkyPortal's checkout would be: file_uri is a path on the server
MIN_SIDE, MAX_SIDE = 16, 500


def thumbnail_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in THUMBNAIL_KEYS}


def public_url(obj_id: str, ttype: str) -> str:
    digest = hashlib.sha256(obj_id.encode()).hexdigest()
    return f"/static/thumbnails/{digest[:2]}/{digest[2:4]}/{obj_id}_{ttype}.png"


def png_size_and_grayscale(png: bytes) -> tuple[tuple[int, int], bool | None]:
    """(width, height) and whether the image is grayscale, from the PNG
    header; ValueError with Pillow's words for what Pillow refuses."""
    if not png.startswith(PNG_SIGNATURE):
        if png.startswith(OTHER_IMAGE_SIGNATURES):
            raise ValueError("Invalid thumbnail image type. Only PNG are supported.")
        # Pillow names the stream it was given; the address is this process's.
        raise ValueError(f"Invalid file type: cannot identify image file <_io.BytesIO object at {id(png):#x}>")
    if len(png) < 26 or png[12:16] != b"IHDR":
        raise ValueError(f"Invalid file type: cannot identify image file <_io.BytesIO object at {id(png):#x}>")
    width, height = struct.unpack(">II", png[16:24])
    color_type = png[25]
    grayscale = {0: True, 3: True, 4: False}.get(color_type)
    return (width, height), grayscale


class ThumbnailHandler(Handler):
    def _stored(self, thumbnail_id: str) -> dict[str, Any]:
        found = self.store.thumbnails("id = ?", (int(thumbnail_id),))
        if not found:
            raise ApiError(400, f"Cannot find Thumbnail with ID: {int(thumbnail_id)}")
        return found[0]

    def get(self, thumbnail_id: str) -> envelope.Response:
        return envelope.success(thumbnail_dict(self._stored(thumbnail_id)))

    @permissions("Upload data")
    def post(self) -> envelope.Response:
        body = parse_body(self.get_json(), POST_BODY)
        try:
            values, png = self._checked(body)
        except Exception as exc:  # as SkyPortal's handler: any failure, with its text
            raise ApiError(400, f"Thumbnail failed to post: {exc}") from None
        return envelope.success({"id": self.store.insert_thumbnail(values, png)})

    def _checked(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
        obj_id, ttype = body["obj_id"], body["ttype"]
        if not self.store.obj_exists(obj_id):
            raise AttributeError(f"Invalid obj_id: {obj_id}")
        png = base64.b64decode(body["data"])
        (width, height), grayscale = png_size_and_grayscale(png)
        if not all(MIN_SIDE <= side <= MAX_SIDE for side in (width, height)):
            raise ValueError(f"Invalid thumbnail size. Only thumbnails between ({MIN_SIDE}, {MIN_SIDE}) and "
                             f"({MAX_SIDE}, {MAX_SIDE}) allowed.")
        url = public_url(obj_id, ttype)
        if ttype not in THUMBNAIL_TYPES:
            shown = ", ".join((*THUMBNAIL_TYPES[:3], "...", THUMBNAIL_TYPES[-1]))
            raise LookupError(
                f"Invalid ttype: (builtins.LookupError) {ttype!r} is not among the defined enum values. Enum name: "
                f"thumbnail_types. Possible values: {shown}\n[SQL: INSERT INTO thumbnails (type, file_uri, "
                "public_url, origin, survey, obj_id, is_grayscale, modified, created_at) VALUES (%(type)s, "
                "%(file_uri)s::VARCHAR, %(public_url)s::VARCHAR, %(origin)s::VARCHAR, %(survey)s::VARCHAR, "
                "%(obj_id)s::VARCHAR, %(is_grayscale)s, timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
                "timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP)) RETURNING thumbnails.id, "
                "thumbnails.modified, thumbnails.created_at]\n"
                f"[parameters: [{{'file_uri': '{SERVER_ROOT}{url}', 'type': {ttype!r}, 'obj_id': {obj_id!r}}}]]")
        return {"obj_id": obj_id, "type": ttype, "survey": body.get("survey"), "file_uri": SERVER_ROOT + url,
                "public_url": url, "is_grayscale": grayscale}, png

    @permissions("Upload data")
    def delete(self, thumbnail_id: str) -> envelope.Response:
        self.store.delete_thumbnail(self._stored(thumbnail_id)["id"])
        return envelope.success({})


class ThumbnailFileHandler(Handler):
    @public
    def get(self, path: str) -> envelope.Response:
        png = self.store.thumbnail_file(f"/static/thumbnails/{path}")
        if png is None:
            return envelope.Response(404, b"<html><title>404: Not Found</title><body>404: Not Found</body></html>",
                                     "text/html; charset=UTF-8")
        return envelope.Response(200, png, "image/png")
