"""The webhook ingress: an HTTP endpoint for GitHub and GitLab deliveries.

``POST /webhooks/github`` and ``POST /webhooks/gitlab``. A delivery is checked
(``services.auth.webhooks``), refused if its id was seen before (the ids are
kept in a KV bucket for a week, so every replica knows them), and turned into
a verification request submitted with the repository's webhook key — so it is
admitted, audited and throttled like any other request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from prometheus_client import Counter

from otv.bus import Bus, Conflict, Records
from otv.client import VerificationClient
from otv.errors import OtvError, SystemFailure
from otv.repositories import RepositoriesFile, RepositoryConfig
from services.auth.webhooks import (
    MAX_BODY_BYTES,
    Delivery,
    WebhookRefused,
    github_delivery,
    gitlab_delivery,
    verification_for,
)

log = logging.getLogger(__name__)

DELIVERY_TTL_S = 7 * 24 * 3600
_READERS = {"github": github_delivery, "gitlab": gitlab_delivery}


def webhook_counter(registry: object) -> Counter:
    """``otv_webhooks_total{host, outcome}``: accepted, ignored, replayed, refused."""
    return Counter(
        "otv_webhooks",
        "Webhook deliveries by host and outcome (accepted, ignored, replayed, refused)",
        ["host", "outcome"],
        registry=registry,  # type: ignore[arg-type]
    )


class WebhookServer:
    """A worker of the auth service, serving until it stops."""

    def __init__(
        self,
        bus: Bus,
        deliveries: Records,
        repositories: RepositoriesFile,
        default_key_file: Path | None,
        host: str,
        port: int,
        counted: Counter,
        listening: Callable[[str], None] | None = None,
    ) -> None:
        self._bus = bus
        self._deliveries = deliveries
        self._repositories = repositories
        self._default_key_file = default_key_file
        self._host = host
        self._port = port
        self._counted = counted
        self._listening = listening
        self.ready = asyncio.Event()
        self.address = ""

    async def run(self, stop: asyncio.Event) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post("/webhooks/{host}", self._receive)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except OSError as exc:
            await runner.cleanup()
            raise SystemFailure(
                f"cannot serve webhooks on {self._host}:{self._port} ({exc.strerror}); "
                "choose another with OTV_WEBHOOK_PORT"
            ) from None
        host, port = runner.addresses[0][:2]
        self.address = f"http://{host}:{port}"
        log.info("webhooks at %s/webhooks/github and /webhooks/gitlab", self.address)
        self.ready.set()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        host = request.match_info["host"]
        reader = _READERS.get(host)
        if reader is None:
            return web.json_response({"error": f"no webhooks for {host[:40]!r}"}, status=404)
        try:
            body = await request.read()
            headers = {name.lower(): value for name, value in request.headers.items()}
            delivery = reader(self._repositories, headers, body)
            answer = await self._accept(delivery)
        except WebhookRefused as refused:
            outcome = "replayed" if refused.status == 409 else "refused"
            self._counted.labels(host, outcome).inc()
            log.info("webhook from %s refused (%d): %s", host, refused.status, refused.reason)
            return web.json_response({"error": refused.reason}, status=refused.status)
        except web.HTTPRequestEntityTooLarge:
            self._counted.labels(host, "refused").inc()
            return web.json_response({"error": "the body is too large"}, status=413)
        return answer

    async def _accept(self, delivery: Delivery) -> web.Response:
        try:
            await self._deliveries.save(delivery.delivery_id[:200], b"1", 0)
        except Conflict:
            raise WebhookRefused(
                409, f"delivery {delivery.delivery_id[:80]} was already received"
            ) from None
        wanted = verification_for(delivery)
        if wanted is None:
            self._counted.labels(delivery.host, "ignored").inc()
            return web.json_response({"ignored": f"{delivery.event or 'event'}: nothing to verify"})
        key = self._key(delivery.repository)
        client = VerificationClient(self._bus, key, name=f"webhook-{delivery.host}")
        try:
            await client.submit(wanted.request, wanted.verification_id, wanted.correlation_id)
        except OtvError as exc:
            # Not received after all: the host's redelivery may try again.
            await self._deliveries.purge(delivery.delivery_id[:200])
            raise WebhookRefused(503, exc.message) from None
        self._counted.labels(delivery.host, "accepted").inc()
        log.info(
            "webhook %s from %s: verification %s of %s",
            delivery.delivery_id,
            delivery.host,
            wanted.verification_id,
            delivery.repository.url,
        )
        return web.json_response(
            {"verification_id": wanted.verification_id, "correlation_id": wanted.correlation_id},
            status=202,
        )

    def _key(self, repository: RepositoryConfig) -> str:
        path = repository.webhook_api_key_file or self._default_key_file
        if path is None:
            raise WebhookRefused(503, "no API key for webhook verifications is configured")
        try:
            return path.read_text().strip()
        except OSError:
            raise WebhookRefused(503, "the webhook API key cannot be read") from None
