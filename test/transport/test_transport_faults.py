"""Each fault of the embedded server against each method: attempts, outcome, and rows afterwards.

A fault hits the first request of the method under test; what the client does next
follows RetryPolicy: idempotent methods (GET, PUT, DELETE) are retried after every
fault, POST and PATCH only after answers given before the request reached the
application (429, 503). No fault may create a duplicate row or lose an acknowledged one.
"""

import time

import pytest
from support.upload_bodies import mag_points
from support.rate_limits import SPEEDUP

import skyportal_client

SLOW = 0.6  # seconds the server sleeps in a "slow" fault
TIMEOUT = (2.0, 0.2)  # the client's (connect, read) timeout in these tests

OK = "ok"
RETRIED = {"attempts": 2, "outcome": OK}

# fault -> method -> expected attempts and outcome
EXPECTED = {
    "status-503": {method: RETRIED for method in ("GET", "PUT", "PATCH", "DELETE", "POST")},
    "status-429": {method: RETRIED for method in ("GET", "PUT", "PATCH", "DELETE", "POST")},
    "status-502": {
        "GET": RETRIED, "PUT": RETRIED, "DELETE": RETRIED,
        "PATCH": {"attempts": 1, "outcome": skyportal_client.ServiceException},
        "POST": {"attempts": 1, "outcome": skyportal_client.ServiceException},
    },
    "drop-before": {
        "GET": RETRIED, "PUT": RETRIED, "DELETE": RETRIED,
        "PATCH": {"attempts": 1, "outcome": skyportal_client.ApiConnectionError},
        "POST": {"attempts": 1, "outcome": skyportal_client.ApiConnectionError},
    },
    "drop-after": {
        # The first DELETE was processed; the retry finds nothing left to delete, which after
        # an attempt that may have landed is the success it was.
        "GET": RETRIED, "PUT": RETRIED, "DELETE": RETRIED,
        "PATCH": {"attempts": 1, "outcome": skyportal_client.ApiConnectionError},
        "POST": {"attempts": 1, "outcome": skyportal_client.ApiConnectionError},
    },
    "slow": {
        "GET": RETRIED, "PUT": RETRIED, "DELETE": RETRIED,
        "PATCH": {"attempts": 1, "outcome": skyportal_client.ApiTimeoutError},
        "POST": {"attempts": 1, "outcome": skyportal_client.ApiTimeoutError},
    },
}

# Whether the operation took effect, given the fault: it did whenever it succeeded,
# and also when the request was processed but its answer lost (drop-after, slow).
PROCESSED_WITHOUT_ANSWER = {"drop-after", "slow"}


class Scenario:
    """One method's operation on fresh points, and how to see whether it took effect."""

    def __init__(self, method, photometry, provisioned):
        self.method = method
        self.photometry = photometry
        self.existing = mag_points(provisioned, count=2)
        self.existing_ids = photometry.api_photometry_post(unknown_base_type=self.existing)["data"]["ids"]
        self.new = mag_points(provisioned, count=3)
        self.obj_id = provisioned.obj_id

    def run(self):
        api, first = self.photometry, self.existing_ids[0]
        kwargs = {"_request_timeout": TIMEOUT}
        if self.method == "GET":
            return api.api_photometry_photometry_id_get(first, **kwargs)
        if self.method == "POST":
            return api.api_photometry_post(unknown_base_type=self.new, **kwargs)
        if self.method == "PUT":
            return api.api_photometry_put(unknown_base_type=self.new, **kwargs)
        if self.method == "DELETE":
            return api.api_photometry_photometry_id_delete(first, **kwargs)
        point = {key: self.existing[key] for key in ("obj_id", "instrument_id", "filter", "magsys")}
        point.update(mjd=self.existing["mjd"][0], mag=17.5, magerr=0.1, limiting_mag=21.0)
        return api.api_photometry_photometry_id_patch(first, unknown_base_type=point, **kwargs)

    def rows(self):
        return self.photometry.api_sources_obj_id_photometry_get(self.obj_id)["data"]

    def check_rows(self, took_effect):
        rows = self.rows()
        ids = [row["id"] for row in rows]
        assert len(ids) == len(set(ids))
        mjds = sorted(row["mjd"] for row in rows)
        assert len(mjds) == len(set(mjds)), "a point was written twice"
        if self.method in ("POST", "PUT"):
            expected = sorted(self.existing["mjd"] + (self.new["mjd"] if took_effect else []))
            assert mjds == expected
        elif self.method == "DELETE":
            assert (self.existing_ids[0] not in ids) == took_effect
            assert self.existing_ids[1] in ids
        elif self.method == "PATCH":
            patched = next(row for row in rows if row["id"] == self.existing_ids[0])
            assert (patched["mag"] == pytest.approx(17.5)) == took_effect
        else:
            assert mjds == sorted(self.existing["mjd"])


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "POST"])
@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_against_method(fault, method, photometry, skyportal_server, skyportal_provisioned):
    scenario = Scenario(method, photometry, skyportal_provisioned)
    expected = EXPECTED[fault][method]
    skyportal_server.clear_requests()
    skyportal_server.inject_fault(fault, methods=[method], delay=SLOW if fault == "slow" else 0.0)

    if expected["outcome"] is OK:
        scenario.run()
    else:
        with pytest.raises(expected["outcome"]) as raised:
            scenario.run()
        assert raised.value.attempts == expected["attempts"]
        if isinstance(raised.value, skyportal_client.ApiConnectionError):
            assert raised.value.may_have_reached_server
            assert "It may have landed" in str(raised.value)
    if fault == "slow":
        time.sleep(SLOW + 0.3)  # let the abandoned request finish on the server

    attempts = [r for r in skyportal_server.requests if r.method == method]
    assert len(attempts) == expected["attempts"]
    took_effect = expected["outcome"] is OK or (
        fault in PROCESSED_WITHOUT_ANSWER or expected["outcome"] is skyportal_client.BadRequestException)
    scenario.check_rows(took_effect)


def test_a_post_whose_answer_was_lost_is_recovered_with_put(photometry, skyportal_server, skyportal_provisioned):
    """The recovery the exception names: PUT returns the ids the lost POST created, writing nothing twice."""
    body = mag_points(skyportal_provisioned, count=4)
    skyportal_server.inject_fault("drop-after", methods=["POST"])
    with pytest.raises(skyportal_client.ApiConnectionError, match="re-send the same points with PUT"):
        photometry.api_photometry_post(unknown_base_type=body)
    ids = photometry.api_photometry_put(unknown_base_type=body)["data"]["ids"]
    assert [row["id"] for row in photometry.api_sources_obj_id_photometry_get(body["obj_id"])["data"]] == ids


def test_a_server_that_stays_down_raises_after_the_allowed_retries(photometry, skyportal_server, configuration):
    skyportal_server.inject_fault("status-503", count=10)
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ServiceException) as raised:
        photometry.api_photometry_photometry_id_get(1)
    assert raised.value.status == 503 and raised.value.message == "System provisioning"
    assert raised.value.attempts == configuration.retries.total + 1 == len(skyportal_server.requests)


def test_retries_can_be_turned_off(skyportal, skyportal_server):
    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, retries=0, rate_limit=None)
    skyportal_server.inject_fault("status-503")
    skyportal_server.clear_requests()
    with skyportal_client.ApiClient(configuration) as client:
        with pytest.raises(skyportal_client.ServiceException):
            skyportal_client.api.photometry_api.PhotometryApi(client).api_photometry_photometry_id_get(1)
    assert len(skyportal_server.requests) == 1


def test_nginx_pages_give_a_readable_message(photometry, skyportal_server):
    skyportal_server.inject_fault("status-502", count=10)
    with pytest.raises(skyportal_client.ServiceException) as raised:
        photometry.api_photometry_photometry_id_get(1)
    assert raised.value.message == "502 Bad Gateway" and "<html>" not in str(raised.value)


def test_a_refused_connection_is_an_api_connection_error(skyportal):
    configuration = skyportal_client.Configuration(host="http://127.0.0.1:9", token="t", rate_limit=None,
                                                   retries=skyportal_client.RetryPolicy(1, 0.01, 0.01))
    with skyportal_client.ApiClient(configuration) as client:
        with pytest.raises(skyportal_client.ApiConnectionError) as raised:
            skyportal_client.api.photometry_api.PhotometryApi(client).api_photometry_post(unknown_base_type={
                "obj_id": "x", "instrument_id": 1, "mjd": 1.0, "mag": 19.0, "magerr": 0.1, "filter": "ztfg",
                "magsys": "ab"})
    # Nothing was sent, so even a POST is retried, and the error says it cannot have been processed.
    assert raised.value.attempts == 2 and not raised.value.may_have_reached_server


def test_rate_limited_burst_of_100_calls_meets_no_429(skyportal, skyportal_server, skyportal_provisioned):
    """With SkyPortal's nginx limit on (5/s, burst 10), the client's default throttle keeps every call under it.

    The run goes faster than SkyPortal's clock (support.rate_limits)."""
    default = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token)
    assert (default.rate_limit, default.rate_limit_burst) == (5.0, 10)
    configuration = default.replace(rate_limit=default.rate_limit * SPEEDUP)
    with skyportal_client.ApiClient(configuration) as client:
        api = skyportal_client.api.photometry_api.PhotometryApi(client)
        photometry_id = api.api_photometry_post(unknown_base_type=mag_points(skyportal_provisioned, 1))["data"]["ids"][0]
        time.sleep(configuration.rate_limit_burst / configuration.rate_limit)  # start with a full bucket on both sides
        skyportal_server.set_rate_limit(5.0 * SPEEDUP, 10)
        skyportal_server.clear_requests()
        results = [api.api_photometry_photometry_id_get(photometry_id) for _ in range(100)]
    assert all(result["data"]["id"] == photometry_id for result in results)
    statuses = [record.status for record in skyportal_server.requests]
    assert len(statuses) == 100 and statuses.count(429) == 0
