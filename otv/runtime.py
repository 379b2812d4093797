"""Running a service: connect, set up what it needs, consume until told to stop.

A service is an object with a ``name`` and a ``start(bus)`` that sets up its
buckets and endpoints and returns the consumers to run. The same code runs a
service alone (``otv serve``), all four in one process (``otv up``, the
embedded stack), or in a test.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from otv.bus import Bus
from otv.bus.consumer import EventConsumer
from otv.logs import bind_service
from otv.settings import Settings
from otv.telemetry import Telemetry

log = logging.getLogger(__name__)


class Service(Protocol):
    name: str

    async def start(self, bus: Bus) -> list[EventConsumer]:
        """Create buckets and endpoints; return the consumers to run."""
        ...


async def run_service(
    service: Service,
    settings: Settings,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    telemetry: Telemetry | None = None,
) -> None:
    """Run ``service`` against ``settings.nats_url`` until ``stop`` is set."""
    bind_service(service.name)
    telemetry = telemetry or Telemetry.for_service(service.name)
    if settings.nats_url is None:
        raise ValueError("run_service needs settings.nats_url")
    bus = await Bus.connect(settings.nats_url, telemetry)
    try:
        await bus.ensure_event_stream(settings.stream_replicas, settings.event_max_age_s)
        consumers = await service.start(bus)
        tasks = [asyncio.create_task(consumer.run(stop)) for consumer in consumers]
        for consumer, task in zip(consumers, tasks, strict=True):
            await _bound(consumer, task)
        log.info("%s is ready", service.name)
        if ready is not None:
            ready.set()
        await asyncio.gather(*tasks)
    finally:
        await bus.close()
        telemetry.shutdown()


async def _bound(consumer: EventConsumer, task: asyncio.Task[None]) -> None:
    """Wait until ``consumer`` is bound to its durable, or its task fails trying."""
    waiter = asyncio.create_task(consumer.bound.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
        task.result()  # raises what made the consumer fail
