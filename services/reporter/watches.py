"""Streaming a verification's progress to a client that watches it.

The replica that took the ``watch`` request follows the verification's KV
record (any replica can: state is shared) and sends each change to the inbox
the client named, as a request: the client answers each one, so when it is
gone — no responders, or no answer — the watch stops. A watch also stops when
the verification ends, is removed, or has been watched for ``watch_max_s``.

A watch of every verification follows the whole state bucket from now on and
sends each change the same way, with a heartbeat when nothing changed for
``HEARTBEAT_S`` (so the client can tell a quiet system from a lost reporter),
and ``renew`` when its ``watch_max_s`` is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from otv.bus import Bus
from otv.bus.api import ApiError
from otv.errors import OtvError
from otv.queries import ScenarioProgress, WatchAllUpdate, WatchUpdate
from services.reporter.state import VerificationState
from services.reporter.store import VerificationStore
from services.reporter.views import progress, results

log = logging.getLogger(__name__)

MAX_WATCHES = 1000
# How long a client may take to answer an update before it counts as gone.
_ANSWER_S = 5.0
HEARTBEAT_S = 10.0
# Verifications a watch of all remembers what it sent for.
_REMEMBERED = 10_000


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
        self._check_room()
        update = progress(state, {})
        if not state.phase.terminal:
            self._keep(asyncio.create_task(self._stream(state, deliver_to, update)))
        return update

    def start_all(self, deliver_to: str) -> WatchAllUpdate:
        """Send every verification's changes from now on to ``deliver_to``."""
        self._check_room()
        changes: asyncio.Queue[VerificationState] = asyncio.Queue(maxsize=1000)
        follower = asyncio.create_task(self._follow_all(changes))
        self._keep(follower)
        self._keep(asyncio.create_task(self._stream_all(changes, deliver_to, follower)))
        return WatchAllUpdate()

    def _check_room(self) -> None:
        if len(self._tasks) >= MAX_WATCHES:
            raise ApiError("503", "this reporter serves too many watches; try again shortly")

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow_all(self, changes: asyncio.Queue[VerificationState]) -> None:
        async for _, record in self._store.states.changes():
            if record is not None:
                # A client too slow to keep up blocks this follower, not the reporter.
                await changes.put(VerificationState.model_validate_json(record.value))

    async def _stream_all(
        self,
        changes: asyncio.Queue[VerificationState],
        deliver_to: str,
        follower: asyncio.Task[None],
    ) -> None:
        sent: dict[str, WatchUpdate] = {}
        seen: dict[str, dict[tuple[str, str], ScenarioProgress]] = {}
        try:
            async with asyncio.timeout(self._max_s):
                while True:
                    try:
                        state = await asyncio.wait_for(changes.get(), HEARTBEAT_S)
                    except TimeoutError:
                        if not await self._send(deliver_to, WatchAllUpdate()):
                            return
                        continue
                    vid = state.verification_id
                    update = progress(state, seen.get(vid, {}))
                    before = sent.get(vid)
                    if update.finished or before is None or _moved(before, update):
                        if not await self._send(deliver_to, WatchAllUpdate(update=update)):
                            return
                        sent[vid] = update
                    seen[vid] = results(state)
                    while len(sent) > _REMEMBERED:  # a long watch must not grow without end
                        oldest = next(iter(sent))
                        sent.pop(oldest)
                        seen.pop(oldest, None)
        except TimeoutError:
            await self._send(deliver_to, WatchAllUpdate(renew=True))
        finally:
            follower.cancel()

    async def _stream(self, state: VerificationState, deliver_to: str, sent: WatchUpdate) -> None:
        seen = results(state)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_s):
                async for record in self._store.states.follow(state.verification_id):
                    if record is None:
                        return  # removed
                    state = VerificationState.model_validate_json(record.value)
                    update = progress(state, seen)
                    if update.finished or _moved(sent, update):
                        if not await self._send(deliver_to, update):
                            return
                        sent = update
                    seen = results(state)
                    if state.phase.terminal:
                        return

    async def _send(self, deliver_to: str, update: WatchUpdate | WatchAllUpdate) -> bool:
        try:
            await self._bus.request(
                deliver_to, update.model_dump_json().encode(), timeout_s=_ANSWER_S
            )
        except OtvError as exc:
            log.debug("watcher at %s is gone (%s); stopping", deliver_to, exc)
            return False
        return True


def _moved(sent: WatchUpdate, update: WatchUpdate) -> bool:
    """Whether the status says something new (its time of update alone is not news)."""
    return sent.status.model_copy(update={"updated_at": ""}) != update.status.model_copy(
        update={"updated_at": ""}
    )
