"""``otv up``: the embedded stack in the foreground, until Ctrl-C.

It keeps its store in the cache directory, under a lock; a second ``otv up``
meanwhile gets a temporary store. A bootstrap admin key is kept in a file only
the user can read, and reused by the next ``otv up``; so is the pepper that
key hashes are made with (``OTV_PEPPER_FILE`` for ``otv keys new``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from otv import logs
from otv.embedded import EmbeddedStack
from otv.settings import Settings


@click.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="NATS port (default: a free one)."
)
def up(port: int) -> int:
    """Run otv on this machine: nats-server and the four services.

    \b
    Example:
      otv up
      export OTV_SERVER=nats://127.0.0.1:4222 OTV_API_KEY=$(cat ~/.cache/otv/stack/admin.key)
    """
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    with _store(settings.cache_dir) as store:
        asyncio.run(_up(settings, store, port or None))
    return 0


@contextlib.contextmanager
def _store(cache_dir: Path) -> Iterator[Path]:
    """The persistent store if no other ``otv up`` holds it, else a temporary one."""
    store = cache_dir / "stack"
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(cache_dir / "stack.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo(f"otv: {store} is in use by another otv; using a temporary store", err=True)
            with tempfile.TemporaryDirectory(prefix="otv-up-") as temporary:
                yield Path(temporary)
            return
        yield store


async def _up(settings: Settings, store: Path, port: int | None) -> None:
    stack = EmbeddedStack(settings, store_dir=store, port=port)
    key_file = stack.admin_key_file
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with stack:
        click.echo(
            "otv is up\n"
            f"  NATS URL:   {stack.url}\n"
            f"  admin key:  {key_file} (readable only by you)\n"
            f"  store:      {store}\n"
            f"Use it with:  export OTV_SERVER={stack.url} OTV_API_KEY=$(cat {key_file})\n"
            "Stop with Ctrl-C."
        )
        await stop.wait()
    click.echo("otv stopped")
