from __future__ import annotations

from services.auth.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_for_one_key_are_throttled_past_the_limit_and_forgotten_later() -> None:
    clock = Clock()
    throttle = Throttle(per_key=3, overall=100, window_s=60, clock=clock)
    assert [throttle.failed("abc") for _ in range(5)] == [False, False, False, True, True]
    assert not throttle.failed("xyz")  # another key is not affected
    clock.now += 61
    assert not throttle.failed("abc")


def test_failures_overall_are_throttled_too() -> None:
    throttle = Throttle(per_key=100, overall=5, window_s=60, clock=Clock())
    results = [throttle.failed(f"key{i}") for i in range(7)]
    assert results == [False] * 5 + [True, True]
    assert throttle.failed(None)
