"""RetryPolicy on its own: what is retried, how long to wait, and that it is a value."""

import dataclasses

import pytest

import skyportal_client
from skyportal_client._transport.outcome import Outcome
from skyportal_client._transport.retry import RetryEvent, RetryPolicy, parse_retry_after

IDEMPOTENT = ["GET", "PUT", "DELETE"]
NOT_IDEMPOTENT = ["POST", "PATCH"]
EVENT = RetryEvent("GET", "/api/photometry/1", "503", 0.0)


@pytest.mark.parametrize("method", IDEMPOTENT + NOT_IDEMPOTENT)
@pytest.mark.parametrize("outcome", [Outcome.NOT_SENT, Outcome.NOT_PROCESSED])
def test_a_request_that_was_not_processed_is_retried_for_every_method(method, outcome):
    assert RetryPolicy().is_retry(method, outcome)
    assert RetryPolicy().is_retry(method, outcome, status=429)


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_idempotent_methods_are_retried_after_a_lost_answer_and_gateway_errors(method):
    policy = RetryPolicy()
    assert policy.is_retry(method, Outcome.UNKNOWN)
    assert all(policy.is_retry(method, Outcome.UNKNOWN, status) for status in (502, 503, 504))


@pytest.mark.parametrize("method", NOT_IDEMPOTENT)
def test_post_and_patch_are_not_sent_again_when_they_may_have_landed(method):
    policy = RetryPolicy()
    assert not policy.is_retry(method, Outcome.UNKNOWN)
    assert not any(policy.is_retry(method, Outcome.UNKNOWN, status) for status in (502, 503, 504))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 500])
def test_answers_that_would_repeat_are_never_retried(status):
    assert not any(RetryPolicy().is_retry(method, outcome, status)
                   for method in IDEMPOTENT + NOT_IDEMPOTENT for outcome in Outcome)


def test_a_refused_request_is_never_retried():
    assert not RetryPolicy(statuses={400}).is_retry("GET", Outcome.REFUSED, 400)


def test_methods_and_statuses_are_parameters():
    policy = RetryPolicy(methods=["get"], statuses=[503])
    assert policy.methods == frozenset({"GET"})
    assert policy.is_retry("GET", Outcome.UNKNOWN, 503) and not policy.is_retry("PUT", Outcome.UNKNOWN, 503)
    assert not policy.is_retry("GET", Outcome.UNKNOWN, 502)


def test_increment_returns_a_new_policy_with_the_history():
    first = RetryPolicy(total=2)
    second = first.increment(EVENT)
    third = second.increment(dataclasses.replace(EVENT, cause="ProtocolError"))
    assert (first.attempt, second.attempt, third.attempt) == (0, 1, 2)
    assert first.history == () and [event.cause for event in third.history] == ["503", "ProtocolError"]
    assert second.is_retry("GET", Outcome.UNKNOWN, 503) and not third.is_retry("GET", Outcome.UNKNOWN, 503)
    assert RetryPolicy(total=0).remaining == 0 and not RetryPolicy(total=0).is_retry("GET", Outcome.NOT_SENT)


def test_the_policy_is_an_immutable_hashable_value():
    policy = RetryPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.total = 5
    assert RetryPolicy() == policy and hash(RetryPolicy()) == hash(policy)
    assert {policy: 1}[RetryPolicy()] == 1 and policy.increment(EVENT) != policy
    assert repr(policy) == "RetryPolicy(total=3, backoff_base=0.5, backoff_max=30.0, retry_after_max=60.0)"


def test_backoff_is_full_jitter_under_a_doubling_cap():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0)
    for ceiling in [0.5, 1.0, 2.0, 3.0, 3.0]:
        waits = [policy.backoff() for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # spread over the whole range
        policy = policy.increment(EVENT)


def test_retry_after_is_honoured_up_to_its_maximum_and_never_cut_short():
    policy = RetryPolicy(backoff_max=1.0, retry_after_max=60.0)
    assert policy.backoff("3") == 3.0 and policy.backoff("60") == 60.0
    assert policy.backoff("120") is None  # not retried early: the caller is told when to come back
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_negative_settings_are_refused():
    with pytest.raises(skyportal_client.ApiValueError):
        RetryPolicy(total=-1)
    with pytest.raises(ValueError):  # an ApiValueError is a ValueError
        RetryPolicy(retry_after_max=-1)


@pytest.mark.parametrize("setting, named", [
    ({"total": "3"}, "RetryPolicy.total"), ({"total": True}, "RetryPolicy.total"),
    ({"backoff_max": None}, "RetryPolicy.backoff_max"), ({"methods": "GET"}, "RetryPolicy.methods"),
    ({"statuses": ["503"]}, "RetryPolicy.statuses"),
])
def test_settings_of_the_wrong_type_are_an_api_type_error_naming_the_setting(setting, named):
    with pytest.raises(skyportal_client.ApiTypeError, match=named) as raised:
        RetryPolicy(**setting)
    assert isinstance(raised.value, TypeError)
