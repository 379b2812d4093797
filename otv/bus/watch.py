"""Watching events live with a core subscription: nothing is stored, nothing acknowledged.

Used by clients waiting for their verification's end. A watcher that was
disconnected may miss an event, so callers also ask the status API now and then.
"""

from __future__ import annotations

import asyncio
import contextlib

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from otv.bus.parser import Decoded, MalformedEvent, decode


class EventWatch:
    """Events from several subscriptions, in the order they arrive."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Msg] = asyncio.Queue()
        self._subscriptions: list[Subscription] = []

    async def subscribe(self, nc: Client, subject: str) -> None:
        async def enqueue(msg: Msg) -> None:
            self._queue.put_nowait(msg)

        self._subscriptions.append(await nc.subscribe(subject, cb=enqueue))

    async def next(self, timeout_s: float) -> Decoded | None:
        """The next well-formed event, or None if none came within ``timeout_s``."""
        while True:
            try:
                msg = await asyncio.wait_for(self._queue.get(), timeout_s)
            except TimeoutError:
                return None
            try:
                return decode(msg.subject, dict(msg.headers or {}), msg.data)
            except MalformedEvent:
                continue  # not ours to judge; the consumers deal with it

    async def close(self) -> None:
        for subscription in self._subscriptions:
            with contextlib.suppress(NatsError):
                await subscription.unsubscribe()
