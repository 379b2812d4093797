"""Running a service: connect, set up what it needs, work until told to stop.

A service is an object with a ``name`` and a ``start(bus)`` that sets up its
buckets and endpoints and returns its workers: its consumers and any
background tasks. The same code runs a service alone (``otv serve``), all four
in one process (``otv up``, the embedded stack), or in a test.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from otv.bus import Bus
from otv.logs import bind_service
from otv.nats_accounts import inbox_prefix
from otv.settings import Settings
from otv.telemetry import Telemetry

log = logging.getLogger(__name__)


def instance_name(service: str) -> str:
    """The service and which replica of it: what events name as their producer."""
    return f"{service}@{socket.gethostname()}/{os.getpid()}"


class Worker(Protocol):
    """Something a service runs until ``stop``; ``ready`` says it is doing its job."""

    ready: asyncio.Event

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass
class BackgroundTask:
    """A coroutine that runs beside a service's consumers, ready from its start."""

    body: Callable[[asyncio.Event], Awaitable[None]]
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, stop: asyncio.Event) -> None:
        self.ready.set()
        await self.body(stop)


class Service(Protocol):
    name: str

    async def start(self, bus: Bus) -> list[Worker]:
        """Create buckets and endpoints; return the workers to run."""
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
    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    bus = await Bus.connect(
        settings.nats_url,
        telemetry,
        user=settings.nats_user,
        password=password,
        inbox_prefix=inbox_prefix(settings.nats_user) if settings.nats_user else "_INBOX",
    )
    try:
        await bus.ensure_event_stream(settings.stream_replicas, settings.event_max_age_s)
        workers = await service.start(bus)
        tasks = [asyncio.create_task(worker.run(stop)) for worker in workers]
        for worker, task in zip(workers, tasks, strict=True):
            await _ready(worker, task)
        log.info("%s is ready", service.name)
        if ready is not None:
            ready.set()
        await asyncio.gather(*tasks)
    finally:
        await bus.close()
        telemetry.shutdown()


async def _ready(worker: Worker, task: asyncio.Task[None]) -> None:
    """Wait until ``worker`` is ready, or its task fails trying."""
    waiter = asyncio.create_task(worker.ready.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
        task.result()  # raises what made the worker fail
