"""Watching events live with a core subscription: nothing is stored, nothing acknowledged.

Used by clients waiting for their verification's end. A watcher that was
disconnected may miss an event, so callers also ask the status API now and then.
"""

from __future__ import annotations

import contextlib

from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError

from otv.bus.parser import Decoded, MalformedEvent, decode


class EventWatch:
    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription

    async def next(self, timeout_s: float) -> Decoded | None:
        """The next well-formed event, or None if none came within ``timeout_s``."""
        while True:
            try:
                msg = await self._subscription.next_msg(timeout=timeout_s)
            except NatsTimeoutError:
                return None
            try:
                return decode(msg.subject, dict(msg.headers or {}), msg.data)
            except MalformedEvent:
                continue  # not ours to judge; the consumers deal with it

    async def close(self) -> None:
        with contextlib.suppress(NatsError):
            await self._subscription.unsubscribe()
