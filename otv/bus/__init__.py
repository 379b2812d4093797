"""otv's bus: every call into nats-py goes through this package.

``Bus`` is what a service holds: one NATS connection, the event producer, the
topology it needs, its consumers and its request/reply endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import NoServersError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from nats.micro.service import Service

from otv import __version__
from otv.bus import api
from otv.bus.audit_stream import AuditStream
from otv.bus.consumer import EventConsumer, Handler
from otv.bus.parser import Delivery
from otv.bus.producer import EventProducer, Published
from otv.bus.storage import Conflict, Objects, Record, Records
from otv.bus.subjects import EVENTS_STREAM
from otv.bus.topology import (
    ConsumerSpec,
    ensure_consumer,
    ensure_event_stream,
    ensure_key_value,
    ensure_object_store,
    key_value_exists,
    replay_consumer,
)
from otv.bus.watch import EventWatch
from otv.errors import SystemFailure
from otv.redaction import redact
from otv.telemetry import Telemetry

__all__ = [
    "Bus",
    "Conflict",
    "ConsumerSpec",
    "Delivery",
    "Objects",
    "Published",
    "Record",
    "Records",
]

log = logging.getLogger(__name__)


@dataclass
class Inbox:
    subject: str
    received: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)

    async def next(self, timeout_s: float) -> bytes | None:
        """The next body, or None when none came within ``timeout_s``."""
        try:
            return await asyncio.wait_for(self.received.get(), timeout_s)
        except TimeoutError:
            return None


@dataclass
class _ConnectionState:
    connected_once: bool = False
    closing: bool = False
    on_reconnect: list[Callable[[], None]] = field(default_factory=list)


def server_urls(url: str) -> list[str]:
    """The servers named by ``url``: one URL, or several separated by commas."""
    return [part.strip() for part in url.split(",") if part.strip()]


class Bus:
    def __init__(self, nc: Client, telemetry: Telemetry, state: _ConnectionState) -> None:
        self._nc = nc
        self._state = state
        self._js: JetStreamContext = nc.jetstream(timeout=10)
        self.telemetry = telemetry
        self.producer = EventProducer(self._js, telemetry)
        self._services: list[Service] = []
        # What readiness and the queue gauges look at: durable consumers, and the
        # streams behind the buckets this service opened.
        self._durables: list[str] = []
        self._store_streams: list[str] = []

    @classmethod
    async def connect(
        cls,
        url: str,
        telemetry: Telemetry,
        first_connect_s: float | None = None,
        user: str | None = None,
        password: str | None = None,
        inbox_prefix: str = "_INBOX",
    ) -> Bus:
        """Connect to NATS at ``url``, and stay connected: reconnects never stop.

        ``url`` may name several servers of one cluster, separated by commas; the
        client moves to another when its server goes away.

        The first connection is tried for ``first_connect_s`` seconds, or for as
        long as it takes if None (a service may start before NATS does).
        """
        name = telemetry.service
        state = _ConnectionState()
        connected = telemetry.metrics.nats_connected.labels(name)
        reconnects = telemetry.metrics.nats_reconnects.labels(name)

        async def on_error(exc: Exception) -> None:
            if state.closing:
                return
            if not state.connected_once:
                log.debug("%s: NATS at %s not reachable yet: %s", name, redact(url), exc)
                return
            log.warning("%s: NATS error: %s", name, exc)

        async def on_disconnect() -> None:
            connected.set(0)
            if state.connected_once and not state.closing:
                log.warning("%s: disconnected from NATS; reconnecting", name)

        async def on_reconnect() -> None:
            connected.set(1)
            reconnects.inc()
            log.info("%s: reconnected to NATS", name)
            for listener in state.on_reconnect:
                listener()

        nc = Client()
        connecting = nc.connect(
            servers=server_urls(url),
            name=f"otv-{name}",
            connect_timeout=2,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            allow_reconnect=True,
            error_cb=on_error,
            disconnected_cb=on_disconnect,
            reconnected_cb=on_reconnect,
            user=user,
            password=password,
            inbox_prefix=inbox_prefix,
        )
        if first_connect_s is None:
            log.info("%s: connecting to NATS at %s", name, redact(url))
        try:
            await asyncio.wait_for(connecting, first_connect_s)
        except (TimeoutError, NoServersError, NatsError, OSError):
            state.closing = True
            with contextlib.suppress(NatsError, OSError):
                await nc.close()
            raise SystemFailure(
                f"cannot reach NATS at {redact(url)}: is otv (or nats-server) running there?"
            ) from None
        state.connected_once = True
        connected.set(1)
        return cls(nc, telemetry, state)

    async def ensure_event_stream(self, replicas: int, max_age_s: float) -> None:
        await ensure_event_stream(self._js, replicas, max_age_s)

    async def ensure_consumer(self, spec: ConsumerSpec) -> None:
        await ensure_consumer(self._js, spec)

    async def replay_consumer(self, spec: ConsumerSpec) -> None:
        await replay_consumer(self._js, spec)

    async def has_records(self, bucket: str) -> bool:
        return await key_value_exists(self._js, bucket)

    async def records(self, bucket: str, replicas: int, ttl_s: float | None = None) -> Records:
        kv = await ensure_key_value(self._js, bucket, replicas, ttl_s)
        records = Records(kv, bucket, self._js)
        self._store_streams.append(f"KV_{bucket}")
        return records

    async def objects(self, bucket: str, replicas: int) -> Objects:
        objects = Objects(await ensure_object_store(self._js, bucket, replicas))
        self._store_streams.append(f"OBJ_{bucket}")
        return objects

    def consumer(self, spec: ConsumerSpec, handler: Handler, concurrency: int = 1) -> EventConsumer:
        self._durables.append(spec.durable)
        return EventConsumer(self._js, self.producer, self.telemetry, spec, handler, concurrency)

    @property
    def is_connected(self) -> bool:
        return bool(self._nc.is_connected)

    async def unreachable_stores(self, timeout_s: float = 2.0) -> list[str]:
        """The buckets this service opened that JetStream does not answer for now."""
        unreachable = []
        for stream in dict.fromkeys(self._store_streams):
            try:
                await asyncio.wait_for(self._js.stream_info(stream), timeout_s)
            except (NatsError, OSError, TimeoutError):
                unreachable.append(stream.partition("_")[2])
        return unreachable

    async def measure_consumers(self, timeout_s: float = 1.0) -> None:
        """Set the pending gauges of this service's consumers from the server's figures;
        on failure they keep their last values."""
        metrics = self.telemetry.metrics
        for durable in dict.fromkeys(self._durables):
            try:
                info = await self._js.consumer_info(EVENTS_STREAM, durable, timeout=timeout_s)
            except (NatsError, OSError, TimeoutError):
                continue
            labels = (self.telemetry.service, durable)
            metrics.consumer_pending.labels(*labels).set(info.num_pending or 0)
            metrics.consumer_ack_pending.labels(*labels).set(info.num_ack_pending or 0)

    def audit_stream(self) -> AuditStream:
        return AuditStream(self._js)

    def on_reconnect(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each reconnection (core messages may have been missed)."""
        self._state.on_reconnect.append(listener)

    async def broadcast(self, subject: str, data: bytes) -> None:
        """A core message to whoever listens now; nothing is stored."""
        await self._nc.publish(subject, data)

    async def listen(self, subject: str, handler: Callable[[bytes], None]) -> None:
        """Call ``handler`` with the body of each core message on ``subject``."""

        async def deliver(msg: Msg) -> None:
            handler(msg.data)

        await self._nc.subscribe(subject, cb=deliver)

    async def erase_event(self, stream_sequence: int) -> None:
        """Delete one stored event and overwrite its bytes (it carried a credential)."""
        with contextlib.suppress(NotFoundError):  # already erased, or aged out
            await self._js.delete_msg(EVENTS_STREAM, stream_sequence)

    async def serve(self, description: str, endpoints: list[api.Endpoint]) -> None:
        service = await api.serve(self._nc, self.telemetry, __version__, description, endpoints)
        self._services.append(service)

    async def request(
        self,
        subject: str,
        data: bytes,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 5.0,
    ) -> bytes:
        return await api.request(self._nc, subject, data, headers, timeout_s)

    @property
    def max_payload(self) -> int:
        """The largest message the server accepts."""
        return self._nc.max_payload

    @contextlib.asynccontextmanager
    async def inbox(self) -> AsyncIterator[Inbox]:
        """An inbox of one's own that answers each request at once (so the sender knows
        it was heard) and queues its body."""
        inbox = Inbox(self._nc.new_inbox())

        async def deliver(msg: Msg) -> None:
            if msg.reply:
                await msg.respond(b"")
            inbox.received.put_nowait(msg.data)

        subscription = await self._nc.subscribe(inbox.subject, cb=deliver)
        try:
            yield inbox
        finally:
            with contextlib.suppress(NatsError):
                await subscription.unsubscribe()

    async def watch(self, subjects: Iterable[str]) -> EventWatch:
        """Events on ``subjects`` from now on, as they are published."""
        watch = EventWatch()
        for subject in subjects:
            await watch.subscribe(self._nc, subject)
        return watch

    async def close(self) -> None:
        self._state.closing = True
        self.telemetry.metrics.nats_connected.labels(self.telemetry.service).set(0)
        for service in self._services:
            with contextlib.suppress(NatsError, OSError):
                await service.stop()
        if not self._nc.is_closed:
            with contextlib.suppress(NatsError, OSError):
                await self._nc.drain()
