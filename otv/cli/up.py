"""``otv up``: the embedded stack in the foreground, until Ctrl-C.

It keeps its store in the cache directory, under a lock; a second ``otv up``
meanwhile gets a temporary store. A bootstrap admin key is kept in a file only
the user can read, and reused by the next ``otv up``; so is the pepper that
key hashes are made with (``OTV_PEPPER_FILE`` for ``otv keys new``).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click

from otv import logs
from otv.embedded import EmbeddedStack, persistent_store
from otv.settings import Settings


@click.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="NATS port (default: a free one)."
)
@click.option(
    "--health-port",
    type=click.IntRange(0, 65532),
    default=0,
    help="First of four ports for each service's /metrics and health (default: free ones).",
)
@click.option(
    "--grpc-port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port of the gRPC API (default: a free one).",
)
def up(port: int, health_port: int, grpc_port: int) -> int:
    """Run otv on this machine: nats-server and the four services.

    \b
    Example:
      otv up --port 4222 --grpc-port 50051 --health-port 9464
      export OTV_SERVER=nats://127.0.0.1:4222 OTV_API_KEY=$(cat ~/.cache/otv/stack/admin.key)
    """
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    with persistent_store(settings.cache_dir) as (store, persistent):
        if not persistent:
            click.echo(
                "otv: the cache's store is in use by another otv; using a temporary one", err=True
            )
        asyncio.run(_up(settings, store, port or None, health_port, grpc_port))
    return 0


async def _up(
    settings: Settings, store: Path, port: int | None, health_port: int, grpc_port: int
) -> None:
    stack = EmbeddedStack(
        settings, store_dir=store, port=port, health_port=health_port, grpc_port=grpc_port
    )
    key_file = stack.admin_key_file
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with stack:
        health = "".join(
            f"  {name + ':':<11} {url}/metrics  {url}/readyz\n"
            for name, url in stack.health_urls.items()
        )
        click.echo(
            "otv is up\n"
            f"  NATS URL:   {stack.url}\n"
            f"  gRPC API:   {stack.grpc_address}\n"
            + (
                f"  webhooks:   {stack.webhook_address}/webhooks/github|gitlab\n"
                if stack.webhook_address
                else ""
            )
            + f"{health}"
            f"  admin key:  {key_file} (readable only by you)\n"
            f"  store:      {store}\n"
            f"Use it with:  export OTV_SERVER={stack.url} OTV_API_KEY=$(cat {key_file})\n"
            "Stop with Ctrl-C."
        )
        await stop.wait()
    click.echo("otv stopped")
