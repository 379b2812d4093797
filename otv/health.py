"""A service's HTTP side: ``/metrics``, ``/livez``, ``/readyz`` and ``/healthz``.

- ``/livez``: the process answers (its event loop turns). Losing NATS does not
  make a service dead: restarting it would not bring NATS back.
- ``/readyz``: NATS connected, every consumer bound, every bucket the service
  opened answering. 503 with the failing checks otherwise.
- ``/healthz``: both, as JSON, for people and for load balancers that only
  know one path.
- ``/metrics``: the service's own registry, in the text format or OpenMetrics
  as the scraper asks; the consumer pending gauges are read from the server
  first, so they are as fresh as the scrape.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client.exposition import choose_encoder

from otv.bus import Bus
from otv.errors import SystemFailure
from otv.telemetry import Telemetry

log = logging.getLogger(__name__)

_CHECK_TIMEOUT_S = 2.0


@dataclass
class ServiceHealth:
    """What a service's readiness is made of; filled in as the service starts."""

    bus: Bus | None = None
    consumers: Sequence[asyncio.Event] = ()
    started: bool = False
    stopping: bool = False

    async def failing(self) -> dict[str, str]:
        """The checks that fail now, by name, with why; empty when ready."""
        if self.stopping:
            return {"service": "stopping"}
        if self.bus is None:
            return {"nats": "not connected yet"}
        failures: dict[str, str] = {}
        if not self.bus.is_connected:
            failures["nats"] = "disconnected; reconnecting"
        if not self.started:
            failures["service"] = "starting"
        unbound = sum(1 for ready in self.consumers if not ready.is_set())
        if unbound:
            failures["consumers"] = f"{unbound} not bound yet"
        if "nats" not in failures:
            unreachable = await self.bus.unreachable_stores(_CHECK_TIMEOUT_S)
            if unreachable:
                failures["buckets"] = "not answering: " + ", ".join(sorted(unreachable))
        return failures


@dataclass
class HealthServer:
    telemetry: Telemetry
    health: ServiceHealth
    host: str
    port: int
    _runner: web.AppRunner | None = field(default=None, init=False)

    async def start(self) -> str:
        """Listen; return the base URL (``port`` 0 picks a free port)."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/livez", self._livez)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise SystemFailure(
                f"{self.telemetry.service}: cannot serve health on {self.host}:{self.port} "
                f"({exc.strerror}); choose another with OTV_HEALTH_PORT"
            ) from None
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        if self.health.bus is not None and self.health.bus.is_connected:
            await self.health.bus.measure_consumers()
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = encoder(self.telemetry.metrics.registry)
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def _livez(self, _: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _: web.Request) -> web.Response:
        failing = await self.health.failing()
        if not failing:
            return web.Response(text="ok\n")
        text = "".join(f"{name}: {why}\n" for name, why in failing.items())
        return web.Response(status=503, text=text)

    async def _healthz(self, _: web.Request) -> web.Response:
        failing = await self.health.failing()
        body = {
            "service": self.telemetry.service,
            "live": True,
            "ready": not failing,
            "failing": failing,
        }
        return web.json_response(body, status=503 if failing else 200)
