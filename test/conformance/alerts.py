"""What the alert-broker conformance tests create, through the HTTP API only
(so that they run unchanged against a real SkyPortal), and small PNG images."""

import dataclasses
import random
import struct
import zlib

from skyportal_client.testing.provision import unique_name

BOT_ACLS = ["Upload data", "Annotate", "Comment", "Classify"]
# A 1x1 baseline JPEG (header and one scan): an image Pillow identifies as JPEG.
JPEG_BASE64 = ("/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
               "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")
HEAD_ETAG = '"393ddd26c5c25f446ad1193241667af2955ea84f"'  # the SHA-1 of the empty success body


def png(width, height, level=128):
    """A grayscale 8-bit PNG of one gray ``level``."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([level]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def new_obj_id():
    return unique_name("ZTFbrk").replace("-", "")


def random_position():
    return round(random.uniform(0, 360), 6), round(random.uniform(-60, 60), 6)


@dataclasses.dataclass(frozen=True)
class Bot:
    """A non-admin user with its own token (ACLs ``BOT_ACLS``)."""

    user_id: int
    token: str


@dataclasses.dataclass(frozen=True)
class Alerting:
    """A group with the token's user as admin, a stream the user may read
    and the group has, a filter on both, and a candidate that passed it."""

    admin_id: int
    group_id: int
    stream_id: int
    filter_id: int
    obj_id: str
    ra: float
    dec: float


def admin_id(api):
    return api.ok("GET", "/api/internal/profile")["id"]


def new_group(api, user_id, **fields):
    return api.ok("POST", "/api/groups", {"name": unique_name("brk-group"), "group_admins": [user_id],
                                          **fields})["id"]


def new_stream(api, **fields):
    return api.ok("POST", "/api/streams", {"name": unique_name("brk-stream"), **fields})["id"]


def new_filter(api, group_id, stream_id):
    return api.ok("POST", "/api/filters", {"name": unique_name("brk-filter"), "stream_id": stream_id,
                                           "group_id": group_id})["id"]


def new_bot(api):
    user_id = api.ok("POST", "/api/user", {"username": unique_name("brk-bot")})["id"]
    token = api.ok("POST", "/api/internal/tokens", {"name": unique_name("brk"), "acls": BOT_ACLS,
                                                    "user_id": user_id})["token_id"]
    return Bot(user_id, token)


def post_candidate(api, obj_id, filter_ids, passed_at="2026-12-06T10:00:00", **fields):
    return api.ok("POST", "/api/candidates", {"id": obj_id, "filter_ids": filter_ids, "passed_at": passed_at,
                                              **fields})["ids"]


def alerting(api, user_id):
    group_id = new_group(api, user_id)
    stream_id = new_stream(api, altdata={"collection": "ZTF_alerts", "selector": [1]})
    api.ok("POST", f"/api/streams/{stream_id}/users", {"user_id": user_id})
    api.ok("POST", f"/api/groups/{group_id}/streams", {"stream_id": stream_id})
    filter_id = new_filter(api, group_id, stream_id)
    obj_id = new_obj_id()
    ra, dec = random_position()
    post_candidate(api, obj_id, [filter_id], ra=ra, dec=dec, passing_alert_id=2456789012345678901,
                   origin="Kowalski")
    return Alerting(user_id, group_id, stream_id, filter_id, obj_id, ra, dec)
