"""Removing what is older than the retention age: states, summaries, reports.

Every replica sweeps now and then; removing is idempotent, so two sweeps at
once only repeat each other. A verification's age is counted from when it
ended (or, if it never did, from when it started). Report objects are also
swept by their own age, so none outlives its verification, whatever crashed
between writing a report and saving the state that names it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from otv.errors import OtvError
from otv.queries import VerificationSummary
from services.reporter.store import VerificationStore

log = logging.getLogger(__name__)


class Retention:
    def __init__(self, store: VerificationStore, max_age_s: float, every_s: float) -> None:
        self._store = store
        self._max_age = timedelta(seconds=max_age_s)
        self._every_s = every_s
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        self.ready.set()
        while not stop.is_set():
            try:
                await self.sweep(datetime.now(UTC))
            except OtvError as exc:
                log.warning("retention sweep failed (%s); trying again later", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._every_s)

    async def sweep(self, now: datetime) -> int:
        """Remove what ended before ``now`` minus the retention age; how many verifications."""
        cutoff = now - self._max_age
        removed = 0
        for vid, data in (await self._store.index.snapshot()).items():
            try:
                summary = VerificationSummary.model_validate_json(data)
            except ValidationError:
                log.warning("summary of %s is unreadable; removing it", vid)
                await self._store.remove(vid)
                continue
            when = summary.finished_at or summary.started_at
            if when and datetime.fromisoformat(when) < cutoff:
                await self._store.remove(vid)
                removed += 1
        for name, written in (await self._store.reports.modified()).items():
            if written < cutoff:
                await self._store.reports.delete(name)
        if removed:
            log.info("removed %d verifications older than %s", removed, self._max_age)
        return removed

    def too_old(self, time: datetime, now: datetime) -> bool:
        """Whether something from ``time`` would already have been removed."""
        return time < now - self._max_age
