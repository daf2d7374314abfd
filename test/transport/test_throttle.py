"""Throttle on its own, with a fake clock, and shared by threads with the real one."""

import threading
import time

import pytest

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


def test_nonsense_settings_are_refused():
    with pytest.raises(ValueError):
        Throttle(rate=0)
    with pytest.raises(ValueError):
        Throttle(burst=0)
