"""HTTP helpers for the conformance tests (urllib3 only, loopback only)."""

import json
import re

import urllib3

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_NAIVE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")
USE_DEFAULT_TOKEN = object()
# sncosmo's registry of magnitude systems, which SkyPortal lists in an order that varies.
REGISTERED_MAGSYSTEMS = {"vegahst", "vega2", "bd17", "jla1", "csp", "ab", "ab-b12", "ab_b12", "vega"}


class Reply:
    def __init__(self, response):
        self.status = response.status
        self.headers = response.headers
        self.raw = response.data
        try:
            self.json = json.loads(self.raw)
        except ValueError:
            self.json = None

    @property
    def data(self):
        return self.json["data"]

    @property
    def message(self):
        return self.json["message"]

    def __repr__(self):
        return f"<Reply {self.status} {self.raw[:300]!r}>"


class Api:
    def __init__(self, url, token):
        self.url = url
        self.token = token
        self.http = urllib3.PoolManager(retries=False, timeout=30, maxsize=32)

    def call(self, method, path, body=None, *, raw=None, token=USE_DEFAULT_TOKEN, authorization=None,
             headers=None, timeout=30):
        """One request.  ``body`` is sent as JSON, ``raw`` as given; the
        Authorization header is "token <token>" unless ``authorization``
        gives the whole value or ``token=None`` leaves it out."""
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        token = self.token if token is USE_DEFAULT_TOKEN else token
        if authorization is not None:
            all_headers["Authorization"] = authorization
        elif token is not None:
            all_headers["Authorization"] = f"token {token}"
        payload = raw if raw is not None else None if body is None else json.dumps(body)
        return Reply(self.http.request(method, self.url + path, body=payload, headers=all_headers,
                                       timeout=timeout))

    def call_raw_path(self, method, path, body=b"{}"):
        """Send ``path`` exactly as written: PoolManager would resolve dot
        segments, a connection pool's urlopen does not."""
        pool = urllib3.connection_from_url(self.url, retries=False)
        return Reply(pool.urlopen(method, path, body=body, headers={"Authorization": f"token {self.token}"}))

    def ok(self, method, path, body=None, **kwargs):
        """``data`` of a call that must succeed."""
        reply = self.call(method, path, body, **kwargs)
        assert reply.status == 200, reply
        assert reply.json["status"] == "success"
        return reply.data


class Uploads:
    """Photometry bodies for the test's own source and instrument."""

    def __init__(self, api, setup):
        self.api = api
        self.setup = setup

    def body(self, **fields):
        base = {"obj_id": self.setup.obj_id, "instrument_id": self.setup.instrument_id,
                "filter": "ztfg", "magsys": "ab"}
        return {**base, **fields}

    def mag_body(self, **fields):
        """observed-exchanges §1's first upload (3 points, the last a non-detection)."""
        defaults = {"mjd": [59400.1, 59401.2, 59402.3], "mag": [19.1, 18.9, None],
                    "magerr": [0.05, 0.04, None], "limiting_mag": [21.0, 21.1, 21.2],
                    "group_ids": [self.setup.group_id]}
        return self.body(**{**defaults, **fields})

    def post(self, body):
        return self.api.ok("POST", "/api/photometry", body)

    def points(self, query=""):
        return self.api.ok("GET", f"/api/sources/{self.setup.obj_id}/photometry{query}")


def assert_error(reply, status, message=None, hide=None):
    """An error envelope with this status (and exactly this message). ``hide``, a token,
    reads as "<token>" in the message, so that a failing test never prints it."""
    shown = repr(reply) if hide is None else repr(reply).replace(hide, "<token>")
    assert reply.status == status, shown
    assert reply.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert reply.json["status"] == "error"
    assert reply.json["data"] == {}
    assert reply.json["version"] == "1.4.0"
    if message is not None:
        actual = reply.json["message"]
        assert (actual if hide is None else actual.replace(hide, "<token>")) == message
