"""Connecting the command line to a running otv: server and key from flags or environment."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import click

from otv.bus import Bus
from otv.client import FIRST_CONNECT_S, VerificationClient
from otv.errors import UsageError
from otv.settings import Settings
from otv.telemetry import Telemetry

F = TypeVar("F", bound=Callable[..., Any])


def server_options(command: F) -> F:
    """``--server`` and ``--api-key``, for commands that talk to a running otv."""
    command = click.option("--api-key", metavar="KEY", help="API key ($OTV_API_KEY).")(command)
    return click.option("--server", metavar="URL", help="NATS URL of a running otv ($OTV_SERVER).")(
        command
    )


@contextlib.asynccontextmanager
async def session(server: str | None, api_key: str | None) -> AsyncIterator[VerificationClient]:
    settings = Settings.from_env(nats_url=server, api_key=api_key)
    if settings.nats_url is None:
        raise UsageError(
            "no otv server given: pass --server URL or set OTV_SERVER "
            "(start one with `otv up`; a throw-away embedded run keeps no history)"
        )
    if settings.api_key is None:
        raise UsageError("no API key: pass --api-key or set OTV_API_KEY")
    telemetry = Telemetry.for_service("cli", alone=True)
    bus = await Bus.connect(settings.nats_url, telemetry, FIRST_CONNECT_S)
    try:
        yield VerificationClient(bus, settings.api_key.get_secret_value())
    finally:
        await bus.close()
        telemetry.shutdown()
