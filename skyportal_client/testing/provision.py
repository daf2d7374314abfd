"""Create, through the HTTP API, what photometry tests need on any SkyPortal.

Works the same against the embedded server and a real instance (the token
needs the rights to create telescopes, instruments, groups and sources,
which a super-admin token has).  Uses only the standard library.
"""

import dataclasses
import json
import random
import urllib.error
import urllib.request
import uuid
from typing import Any

FILTERS = ("ztfg", "ztfr", "ztfi")


@dataclasses.dataclass(frozen=True)
class Provisioned:
    """Ids of what ``provision`` created.  ``obj_id`` is saved to ``group_id``.  The token is
    kept out of the repr, so that a test's failure report does not show it."""

    url: str
    token: str = dataclasses.field(repr=False)
    telescope_id: int
    instrument_id: int
    instrument_name: str
    filters: tuple[str, ...]
    group_id: int
    group_name: str
    obj_id: str


class ProvisioningError(Exception):
    pass


# No proxy from the environment (http_proxy): the token goes to the server named, and nowhere else.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def api_call(url: str, token: str, method: str, path: str, body: object = None, timeout: float = 30) -> Any:
    """One JSON API call; returns ``data`` or raises ProvisioningError."""
    request = urllib.request.Request(
        url.rstrip("/") + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as exc:
        answer = exc.read()[:500].decode("utf-8", "replace").replace(token, "<token>")
        raise ProvisioningError(f"{method} {path} -> {exc.code}: {answer}") from None
    if payload.get("status") != "success":
        raise ProvisioningError(f"{method} {path} -> {payload}")
    return payload["data"]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def random_position() -> tuple[float, float]:
    """A sky position away from the poles, so that objects the tests create
    do not pile up in one spot on a long-lived server."""
    return round(random.uniform(0, 360), 6), round(random.uniform(-60, 60), 6)


def create_source(url: str, token: str, group_id: int, ra: float | None = None, dec: float | None = None) -> str:
    """A new object with a unique id, saved to ``group_id`` (at a random
    position unless ``ra`` and ``dec`` are given); returns its id."""
    if ra is None or dec is None:
        ra, dec = random_position()
    obj_id = unique_name("ZTFtest").replace("-", "")
    api_call(url, token, "POST", "/api/sources", {"id": obj_id, "ra": ra, "dec": dec, "group_ids": [group_id]})
    return obj_id


def provision(url: str, token: str) -> Provisioned:
    """A telescope, an imager with filters ztfg/ztfr/ztfi, a group and a source."""
    telescope_id = api_call(url, token, "POST", "/api/telescope", {
        "name": unique_name("Test telescope"), "nickname": unique_name("tt"), "lat": 33.3633675,
        "lon": -116.8361345, "elevation": 1870.0, "diameter": 1.2, "robotic": True,
        "fixed_location": True,
    })["id"]
    instrument_name = unique_name("ZTF-test")
    instrument_id = api_call(url, token, "POST", "/api/instrument", {
        "name": instrument_name, "type": "imager", "band": "optical", "telescope_id": telescope_id,
        "filters": list(FILTERS),
    })["id"]
    group_name = unique_name("test-group")
    group_id = api_call(url, token, "POST", "/api/groups", {"name": group_name, "nickname": group_name})["id"]
    return Provisioned(url=url, token=token, telescope_id=telescope_id, instrument_id=instrument_id,
                       instrument_name=instrument_name, filters=FILTERS, group_id=group_id,
                       group_name=group_name, obj_id=create_source(url, token, group_id))
