"""Connecting the command line to a running otv: server and key from flags, the
environment or the configuration file (``otv.cli.config``)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from otv.bus import Bus
from otv.cli.config import resolve_connection
from otv.client import FIRST_CONNECT_S, VerificationClient
from otv.errors import UsageError
from otv.settings import Settings
from otv.telemetry import Telemetry

F = TypeVar("F", bound=Callable[..., Any])


SERVER_OPTION = click.option(
    "--server", metavar="URL", help="NATS URL of a running otv ($OTV_SERVER, config)."
)
API_KEY_OPTION = click.option("--api-key", metavar="KEY", help="API key ($OTV_API_KEY).")
API_KEY_FILE_OPTION = click.option(
    "--api-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the API key, kept out of shell history ($OTV_API_KEY_FILE).",
)


def connection_flags(command: F) -> F:
    """``--server``, ``--api-key`` and ``--api-key-file``, as given (not resolved)."""
    for option in (API_KEY_FILE_OPTION, API_KEY_OPTION, SERVER_OPTION):
        command = option(command)
    return command


def server_options(command: F) -> F:
    """``--server``, ``--api-key`` and ``--api-key-file``, for commands that talk to a
    running otv. The command gets ``server`` and ``api_key`` already resolved."""

    @functools.wraps(command)
    def resolved(
        *args: Any, server: str | None, api_key: str | None, api_key_file: Path | None, **kw: Any
    ) -> Any:
        connection = resolve_connection(server, api_key, api_key_file)
        return command(*args, server=connection.server, api_key=connection.api_key, **kw)

    return connection_flags(cast(F, resolved))


@contextlib.asynccontextmanager
async def session(server: str | None, api_key: str | None) -> AsyncIterator[VerificationClient]:
    settings = Settings.from_env(nats_url=server, api_key=api_key)
    if settings.nats_url is None:
        raise UsageError(
            "no otv server given: pass --server URL, set OTV_SERVER or server in config.toml "
            "(start one with `otv up`; a throw-away embedded run keeps no history)"
        )
    if settings.api_key is None:
        raise UsageError(
            "no API key: pass --api-key-file FILE (or --api-key), set OTV_API_KEY, "
            "or api_key_file in config.toml"
        )
    telemetry = Telemetry.for_service("cli", alone=True)
    bus = await Bus.connect(settings.nats_url, telemetry, FIRST_CONNECT_S)
    try:
        yield VerificationClient(bus, settings.api_key.get_secret_value())
    finally:
        await bus.close()
        telemetry.shutdown()
