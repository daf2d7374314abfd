"""The embedded nginx rate limit after a pause: nginx's limit_req drains the excess and adds
the new request before flooring it at zero, so a key at rest gets its whole burst again."""

from skyportal_client.testing.faults import RateLimiter


def burst(limiter, now, count=12):
    return [limiter.allow("token abc", now=now) for _ in range(count)]


def test_a_key_at_rest_gets_burst_plus_one_again_as_a_new_key_does():
    limiter = RateLimiter(rate=5.0, burst=10)
    assert burst(limiter, now=100.0) == [True] * 11 + [False]
    assert burst(limiter, now=160.0) == [True] * 11 + [False]


def test_a_partly_drained_key_gets_what_drained():
    limiter = RateLimiter(rate=5.0, burst=10)
    burst(limiter, now=100.0)  # excess 10
    assert burst(limiter, now=101.0, count=6) == [True] * 5 + [False]  # one second drains five
