"""Every operation under every fault of the embedded server, on the first attempt and on every attempt.

Each cell either succeeds with the server in the right state, or raises an exception
that states the truth: if the request took effect, the exception says it may have
landed (``Outcome.UNKNOWN``); an exception that says it was refused, not processed or
not sent is one whose request changed nothing. No cell writes a point twice, and no
exception carries the token.
"""

import dataclasses
import time

import pytest
from support.upload_bodies import mag_points

import skyportal_client
from skyportal_client._transport.outcome import Outcome
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.testing.faults import DELAYED_KINDS, FAULT_KINDS
from skyportal_client.testing.provision import create_source

# The client's limits in these tests, and the faults' delays: a slow answer outlives the read
# timeout, and a trickled one the whole attempt's deadline.
LIMITS = skyportal_client.Timeout(connect=2.0, read=0.3, total=0.8)
DELAY = {"slow": 0.5, "trickle": 0.05}
RETRIES = skyportal_client.RetryPolicy(total=2, backoff_base=0.001, backoff_max=0.01)
EVERY_ATTEMPT = RETRIES.total + 1


@dataclasses.dataclass
class Stage:
    """A fresh object holding two points of one upload, and the points an operation would add."""

    api: PhotometryApi
    provisioned: object
    existing: dict
    ids: list
    upload_id: str
    new: dict

    def light_curve(self):
        return self.api.api_sources_obj_id_photometry_get(self.provisioned.obj_id)["data"]


def _stage(api, provisioned):
    provisioned = dataclasses.replace(provisioned, obj_id=create_source(provisioned.url, provisioned.token,
                                                                        provisioned.group_id))
    existing = mag_points(provisioned, count=2)
    data = api.api_photometry_post(unknown_base_type=existing)["data"]
    return Stage(api, provisioned, existing, data["ids"], data["upload_id"], mag_points(provisioned, count=3))


def _patched_point(stage):
    point = {key: stage.existing[key] for key in ("obj_id", "instrument_id", "filter", "magsys")}
    return dict(point, mjd=stage.existing["mjd"][0], mag=17.5, magerr=0.1, limiting_mag=21.0)


@dataclasses.dataclass(frozen=True)
class Operation:
    """What a call does, and how to see on the server whether it took effect (None for a read)."""

    method: str
    run: object
    took_effect: object = None
    answer_is_right: object = None


OPERATIONS = {
    "POST upload": Operation(
        "POST", lambda s, **kw: s.api.api_photometry_post(unknown_base_type=s.new, **kw),
        took_effect=lambda s, points: set(s.new["mjd"]) <= {point["mjd"] for point in points}),
    "PUT upload": Operation(
        "PUT", lambda s, **kw: s.api.api_photometry_put(unknown_base_type=s.new, **kw),
        took_effect=lambda s, points: set(s.new["mjd"]) <= {point["mjd"] for point in points}),
    "PATCH point": Operation(
        "PATCH", lambda s, **kw: s.api.api_photometry_photometry_id_patch(s.ids[0], unknown_base_type=_patched_point(s),
                                                                          **kw),
        took_effect=lambda s, points: any(p["id"] == s.ids[0] and abs(p["mag"] - 17.5) < 1e-9 for p in points)),
    "DELETE point": Operation(
        "DELETE", lambda s, **kw: s.api.api_photometry_photometry_id_delete(s.ids[0], **kw),
        took_effect=lambda s, points: s.ids[0] not in {point["id"] for point in points}),
    "DELETE upload": Operation(
        "DELETE", lambda s, **kw: s.api.api_photometry_bulk_delete_upload_id_delete(s.upload_id, **kw),
        took_effect=lambda s, points: not {point["id"] for point in points} & set(s.ids)),
    "GET point": Operation(
        "GET", lambda s, **kw: s.api.api_photometry_photometry_id_get(s.ids[0], **kw),
        answer_is_right=lambda s, answer: answer["data"]["id"] == s.ids[0]),
    "GET light curve": Operation(
        "GET", lambda s, **kw: s.api.api_sources_obj_id_photometry_get(s.provisioned.obj_id, **kw),
        answer_is_right=lambda s, answer: [point["id"] for point in answer["data"]] == s.ids),
    "GET range": Operation(
        "GET", lambda s, **kw: s.api.api_photometry_range_get(photometry_range_query={
            "instrument_ids": [s.provisioned.instrument_id], "min_date": "1858-11-17T00:00:00",
            "max_date": "2100-01-01T00:00:00"}, **kw),
        answer_is_right=lambda s, answer: set(s.ids) <= {point["id"] for point in answer["data"]}),
}


def _token_free(error, token):
    shown = " ".join([str(error), repr(error), error.message or "", *(error.headers or {}).values()])
    return token not in shown and token.encode() not in (error.body or b"")


@pytest.fixture
def faulty(skyportal, skyportal_server):
    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, rate_limit=None,
                                                   retries=RETRIES)
    with skyportal_client.ApiClient(configuration) as client:
        yield PhotometryApi(client)


# The delayed faults wait out the client's timeouts for real, up to three attempts a cell: slow.
KINDS = [pytest.param(kind, marks=pytest.mark.slow) if kind in DELAYED_KINDS else kind for kind in FAULT_KINDS]


@pytest.mark.parametrize("attempts", ["first", "every"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_outcome_is_the_truth(name, kind, attempts, faulty, photometry, skyportal, skyportal_server,
                                  skyportal_provisioned):
    operation = OPERATIONS[name]
    stage = _stage(photometry, skyportal_provisioned)
    stage = dataclasses.replace(stage, api=faulty)
    skyportal_server.inject_fault(kind, count=1 if attempts == "first" else EVERY_ATTEMPT,
                                  methods=[operation.method], delay=DELAY.get(kind, 0.0))
    answer = error = None
    try:
        answer = operation.run(stage, _request_timeout=LIMITS)
    except skyportal_client.ApiException as raised:
        error = raised
    skyportal_server.clear_faults()
    points = None
    if operation.method != "GET":
        if kind in DELAYED_KINDS:
            time.sleep(DELAY["slow"] + 0.2)  # a request the client gave up on may still be processed
        points = stage.light_curve()

    if error is not None:
        assert _token_free(error, skyportal.token)
        assert error.attempts == len(error.history) + 1 <= EVERY_ATTEMPT
    if operation.took_effect is None:  # a read: a success must be the right answer
        assert error is not None or operation.answer_is_right(stage, answer)
        return
    mjds = [point["mjd"] for point in points]
    assert len(mjds) == len(set(mjds)), "a point was written twice"
    took_effect = operation.took_effect(stage, points)
    if error is None:
        assert took_effect, "a call that succeeded changed nothing"
    elif took_effect:
        assert error.outcome is Outcome.UNKNOWN, f"it landed, but the exception says {error.outcome.value}: {error}"
        assert "It may have landed" in str(error)
    if attempts == "first" and operation.method in ("PUT", "DELETE") and kind != "status-413":
        # Safe to send twice, so one spoiled answer costs a retry, not the call (a 413 would repeat).
        assert error is None, f"one spoiled answer of a {operation.method} is retried: {error}"
