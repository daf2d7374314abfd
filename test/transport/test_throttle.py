"""Throttle on its own, with a fake clock, and shared by threads with the real one."""

import threading
import time

import pytest

import skyportal_client
from skyportal_client._transport.throttle import Throttle


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_goes_at_once_then_the_rate_applies():
    clock = FakeClock()
    throttle = Throttle(rate=5, burst=10, clock=clock, sleep=clock.sleep)
    waits = [throttle.acquire() for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.2) and waits[11] == pytest.approx(0.2)
    clock.now += 10  # a long pause refills the bucket, but never above the burst
    assert [throttle.acquire() for _ in range(10)] == [0.0] * 10
    assert throttle.acquire() == pytest.approx(0.2)


def test_threads_share_one_bucket():
    throttle = Throttle(rate=200, burst=5)
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [throttle.acquire() for _ in range(9)]) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 45 requests, 5 at once, then 200 a second: at least 40 / 200 s.
    assert time.monotonic() - started >= 40 / 200 * 0.95


def test_nonsense_settings_are_refused_by_the_one_rate_limit_rule():
    with pytest.raises(skyportal_client.ApiValueError, match="rate_limit must be a number of requests per second"):
        Throttle(rate=0)
    with pytest.raises(skyportal_client.ApiValueError, match="rate_limit_burst must be a number of requests"):
        Throttle(burst=0)
    with pytest.raises(skyportal_client.ApiTypeError, match="rate_limit_burst must be"):
        skyportal_client.RateLimit(5.0, 2.5)


def answered(throttle, clock, calls, throttled_every=0):
    """``calls`` requests one after the other through ``throttle``, every ``throttled_every``-th
    of them answered 429; the rates the bucket refilled at, after each."""
    rates = []
    for number in range(1, calls + 1):
        throttle.acquire()
        if throttled_every and number % throttled_every == 0:
            throttle.on_throttled()
        else:
            throttle.on_success()
        rates.append(throttle.current_rate)
    return rates


def test_a_429_halves_the_rate_empties_the_bucket_and_the_rate_climbs_back_gradually():
    clock = FakeClock()
    throttle = Throttle(rate=5, burst=10, clock=clock, sleep=clock.sleep)
    assert answered(throttle, clock, 40) == [5.0] * 40  # alone, nothing changes
    throttle.on_throttled()
    assert throttle.current_rate == pytest.approx(2.5)
    assert throttle.acquire() == pytest.approx(1 / 2.5)  # no burst after a 429
    rates = answered(throttle, clock, 300)
    assert rates == sorted(rates) and rates[0] < 3 and rates[-1] == 5.0  # never down, never above the limit
    assert 2.5 < rates[50] < 4.75  # ... and not at once


def test_a_client_that_meets_mostly_429s_comes_down_to_its_share_at_once():
    clock = FakeClock()
    throttle = Throttle(rate=5, burst=10, clock=clock, sleep=clock.sleep)
    throttle.on_throttled()  # no answer in the last 2 s: its share is at most one request in that time
    assert throttle.current_rate == pytest.approx(0.5)


def test_a_limit_ten_times_higher_behaves_the_same_ten_times_faster():
    runs = []
    for rate in (5, 50):
        clock = FakeClock()
        throttle = Throttle(rate=rate, burst=10, clock=clock, sleep=clock.sleep)
        rates = answered(throttle, clock, 200, throttled_every=37)
        runs.append(([value / rate for value in rates], clock.now * rate))
    (fractions_5, time_5), (fractions_50, time_50) = runs
    assert fractions_50 == pytest.approx(fractions_5) and time_50 == pytest.approx(time_5)
    assert min(fractions_5) < 0.6  # the 429s did cut it


def test_without_adaptation_a_429_changes_nothing():
    clock = FakeClock()
    throttle = Throttle(rate=5, burst=10, adaptive=False, clock=clock, sleep=clock.sleep)
    throttle.on_throttled()
    assert throttle.current_rate == 5.0 and throttle.acquire() == 0.0



def test_429s_to_requests_sent_before_a_cut_cut_nothing_more():
    """Threads of one client meet the same congestion together: one cut for all of them."""
    clock = FakeClock()
    throttle = Throttle(rate=5, burst=10, clock=clock, sleep=clock.sleep)
    answered(throttle, clock, 10)
    for _ in range(4):  # four threads' requests, all sent before the first 429 came
        throttle.on_throttled()
    assert throttle.current_rate == pytest.approx(2.5)
    clock.now += 1.0  # a request sent after the cut meets a 429 too: that one counts
    throttle.on_throttled()
    assert throttle.current_rate < 2.5
