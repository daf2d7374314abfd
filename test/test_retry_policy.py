"""RetryPolicy on its own: what is retried, how long to wait, and that it is a value."""

import pytest

from skyportal_client.retry import RetryPolicy, parse_retry_after

IDEMPOTENT = ["GET", "PUT", "DELETE"]
NOT_IDEMPOTENT = ["POST", "PATCH"]


@pytest.mark.parametrize("method", IDEMPOTENT + NOT_IDEMPOTENT)
def test_a_connection_never_made_is_retried_for_every_method(method):
    assert RetryPolicy().is_retry(method, reached_server=False)


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_idempotent_methods_are_retried_after_a_lost_answer_and_gateway_errors(method):
    policy = RetryPolicy()
    assert policy.is_retry(method, reached_server=True)
    assert all(policy.is_retry(method, status=status) for status in (429, 502, 503, 504))


@pytest.mark.parametrize("method", NOT_IDEMPOTENT)
def test_post_and_patch_are_retried_only_when_the_application_never_saw_them(method):
    policy = RetryPolicy()
    assert not policy.is_retry(method, reached_server=True)
    assert policy.is_retry(method, status=429) and policy.is_retry(method, status=503)
    assert not policy.is_retry(method, status=502) and not policy.is_retry(method, status=504)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 500])
def test_answers_that_would_repeat_are_never_retried(status):
    assert not any(RetryPolicy().is_retry(method, status=status) for method in IDEMPOTENT + NOT_IDEMPOTENT)


def test_increment_returns_a_new_policy_and_the_last_retry_is_the_total():
    first = RetryPolicy(total=2)
    second = first.increment()
    third = second.increment()
    assert (first.attempt, second.attempt, third.attempt) == (0, 1, 2)
    assert first.is_retry("GET", status=503) and second.is_retry("GET", status=503)
    assert not third.is_retry("GET", status=503)
    assert RetryPolicy(total=0).remaining == 0 and not RetryPolicy(total=0).is_retry("GET", reached_server=False)
    assert second == RetryPolicy(total=2, attempt=1) and second != first


def test_backoff_is_full_jitter_under_a_doubling_cap():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=3.0)
    for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 3.0, 3.0]):
        waits = [policy.backoff() for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # spread over the whole range
        policy = policy.increment()


def test_retry_after_is_honoured_up_to_the_cap():
    policy = RetryPolicy(backoff_cap=10.0)
    assert policy.backoff("3") == 3.0
    assert policy.backoff("120") == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_negative_settings_are_refused():
    with pytest.raises(ValueError):
        RetryPolicy(total=-1)
