"""Throttling repeated failures: slows a guesser, never refuses a valid key.

Only failed attempts are counted, and only after a key has been checked; a
valid key presented correctly is admitted whatever the counts say. Past a
limit, a failed attempt is answered 429 (instead of 401) after a delay.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

_OVERALL = "*"  # key ids are letters and digits: no key is called this


class Throttle:
    def __init__(
        self,
        per_key: int = 10,
        overall: int = 200,
        window_s: float = 60.0,
        delay_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"key": per_key, "overall": overall}
        self._window_s = window_s
        self.delay_s = delay_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def failed(self, key_id: str | None) -> bool:
        """Count a failed attempt (for ``key_id`` if the key named one); True: throttle it."""
        now = self._clock()
        over = self._count(_OVERALL, now) > self._limits["overall"]
        if key_id:
            over = self._count(key_id, now) > self._limits["key"] or over
        return over

    def _count(self, bucket: str, now: float) -> int:
        times = self._failures.setdefault(bucket, deque())
        times.append(now)
        while times and times[0] < now - self._window_s:
            times.popleft()
        if len(self._failures) > 10_000:
            self._forget_idle(now)
        return len(times)

    def _forget_idle(self, now: float) -> None:
        for bucket in [
            b for b, t in self._failures.items() if not t or t[-1] < now - self._window_s
        ]:
            del self._failures[bucket]
