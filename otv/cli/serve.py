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


@click.command()
@click.argument("service", type=click.Choice(SERVICE_NAMES))
@click.option("--nats", "nats_url", metavar="URL", help="NATS URL (default: $OTV_SERVER).")
def serve(service: str, nats_url: str | None) -> int:
    """Run one otv service against a NATS server.

    \b
    Example:
      otv serve runner --nats nats://nats.otv.svc:4222
    """
    settings = Settings.from_env(nats_url=nats_url)
    if settings.nats_url is None:
        raise UsageError("no NATS server given: pass --nats URL or set OTV_SERVER")
    logs.configure(settings.log_level, settings.log_format)
    asyncio.run(_serve(service, settings))
    return 0


async def _serve(name: str, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run_service(build_service(name, settings), settings, stop)
