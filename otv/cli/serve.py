"""``otv serve SERVICE``: run one service until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal

import click

from otv import logs
from otv.embedded.services import SERVICE_NAMES, build_service
from otv.errors import UsageError
from otv.runtime import run_service
from otv.settings import Settings
from otv.telemetry import Telemetry

DEFAULT_HEALTH_PORT = 9464
DEFAULT_GRPC_PORT = 50051


@click.command()
@click.argument("service", type=click.Choice(SERVICE_NAMES))
@click.option("--nats", "nats_url", metavar="URL", help="NATS URL (default: $OTV_SERVER).")
@click.option(
    "--health-port",
    type=click.IntRange(0, 65535),
    help=f"Port of /metrics, /livez, /readyz, /healthz (default: $OTV_HEALTH_PORT or "
    f"{DEFAULT_HEALTH_PORT}).",
)
@click.option(
    "--grpc-port",
    type=click.IntRange(0, 65535),
    help=f"auth only: port of the gRPC API (default: $OTV_GRPC_PORT or {DEFAULT_GRPC_PORT}).",
)
def serve(
    service: str, nats_url: str | None, health_port: int | None, grpc_port: int | None
) -> int:
    """Run one otv service against a NATS server.

    \b
    Example:
      otv serve runner --nats nats://nats.otv.svc:4222 --health-port 9464
      otv serve auth --nats nats://nats.otv.svc:4222 --grpc-port 50051
    """
    settings = Settings.from_env(nats_url=nats_url, health_port=health_port, grpc_port=grpc_port)
    if settings.nats_url is None:
        raise UsageError("no NATS server given: pass --nats URL or set OTV_SERVER")
    if settings.health_port is None:
        settings = settings.model_copy(update={"health_port": DEFAULT_HEALTH_PORT})
    if service == "auth" and settings.grpc_port is None:
        settings = settings.model_copy(update={"grpc_port": DEFAULT_GRPC_PORT})
    logs.configure(settings.log_level, settings.log_format)
    asyncio.run(_serve(service, settings))
    return 0


async def _serve(name: str, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    telemetry = Telemetry.for_service(name, alone=True)
    await run_service(build_service(name, settings), settings, stop, telemetry=telemetry)
