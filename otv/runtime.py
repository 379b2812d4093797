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
from otv.health import HealthServer, ServiceHealth
from otv.logs import bind_service
from otv.nats_accounts import inbox_prefix
from otv.repositories import read_secret
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
    listening: Callable[[str], None] | None = None,
) -> None:
    """Run ``service`` against ``settings.nats_url`` until ``stop`` is set.

    With ``settings.health_port`` set, its metrics and health are served over
    HTTP from before it connects (``/livez`` answers while NATS is awaited);
    ``listening`` is told their base URL.
    """
    bind_service(service.name)
    telemetry = telemetry or Telemetry.for_service(service.name)
    if settings.nats_url is None:
        raise ValueError("run_service needs settings.nats_url")
    health = ServiceHealth()
    server = None
    if settings.health_port is not None:
        server = HealthServer(telemetry, health, settings.health_host, settings.health_port)
        url = await server.start()
        log.info("%s serves metrics and health at %s", service.name, url)
        if listening is not None:
            listening(url)
    try:
        password = nats_password(settings)
        bus = await Bus.connect(
            settings.nats_url,
            telemetry,
            user=settings.nats_user,
            password=password,
            inbox_prefix=inbox_prefix(settings.nats_user) if settings.nats_user else "_INBOX",
        )
    except BaseException:
        if server is not None:
            await server.stop()
        raise
    health.bus = bus
    try:
        await bus.ensure_event_stream(settings.stream_replicas, settings.event_max_age_s)
        workers = await service.start(bus)
        health.consumers = [worker.ready for worker in workers]
        tasks = [asyncio.create_task(worker.run(stop)) for worker in workers]
        for worker, task in zip(workers, tasks, strict=True):
            await _ready(worker, task)
        health.started = True
        log.info("%s is ready", service.name)
        if ready is not None:
            ready.set()
        await asyncio.gather(*tasks)
    finally:
        health.stopping = True
        await bus.close()
        if server is not None:
            await server.stop()
        telemetry.shutdown()


def nats_password(settings: Settings) -> str | None:
    """The service's NATS password: the variable, else the file (a mounted Secret)."""
    if settings.nats_password is not None:
        return settings.nats_password.get_secret_value()
    if settings.nats_password_file is not None:
        return read_secret(settings.nats_password_file, None, "NATS password")
    return None


async def _ready(worker: Worker, task: asyncio.Task[None]) -> None:
    """Wait until ``worker`` is ready, or its task fails trying."""
    waiter = asyncio.create_task(worker.ready.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
        task.result()  # raises what made the worker fail
