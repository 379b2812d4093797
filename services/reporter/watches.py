"""Streaming a verification's progress to a client that watches it.

The replica that took the ``watch`` request follows the verification's KV
record (any replica can: state is shared) and sends each change to the inbox
the client named, as a request: the client answers each one, so when it is
gone — no responders, or no answer — the watch stops. A watch also stops when
the verification ends, is removed, or has been watched for ``watch_max_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from otv.bus import Bus
from otv.bus.api import ApiError
from otv.errors import OtvError
from otv.queries import WatchUpdate
from services.reporter.state import VerificationState
from services.reporter.store import VerificationStore
from services.reporter.views import progress, results

log = logging.getLogger(__name__)

MAX_WATCHES = 1000
# How long a client may take to answer an update before it counts as gone.
_ANSWER_S = 5.0


class Watches:
    """The watches this replica serves; a worker, so they end with the service."""

    def __init__(self, bus: Bus, store: VerificationStore, max_s: float) -> None:
        self._bus = bus
        self._store = store
        self._max_s = max_s
        self._tasks: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        self.ready.set()
        await stop.wait()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def start(self, state: VerificationState, deliver_to: str) -> WatchUpdate:
        """The update to answer the request with; later ones go to ``deliver_to``."""
        if len(self._tasks) >= MAX_WATCHES:
            raise ApiError("503", "this reporter serves too many watches; try again shortly")
        update = progress(state, {})
        if not state.phase.terminal:
            task = asyncio.create_task(self._stream(state, deliver_to, update))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return update

    async def _stream(self, state: VerificationState, deliver_to: str, sent: WatchUpdate) -> None:
        seen = results(state)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_s):
                async for record in self._store.states.follow(state.verification_id):
                    if record is None:
                        return  # removed
                    state = VerificationState.model_validate_json(record.value)
                    update = progress(state, seen)
                    if update.finished or update.status != sent.status:
                        if not await self._send(deliver_to, update):
                            return
                        sent = update
                    seen = results(state)
                    if state.phase.terminal:
                        return

    async def _send(self, deliver_to: str, update: WatchUpdate) -> bool:
        try:
            await self._bus.request(
                deliver_to, update.model_dump_json().encode(), timeout_s=_ANSWER_S
            )
        except OtvError as exc:
            log.debug("watcher at %s is gone (%s); stopping", deliver_to, exc)
            return False
        return True
