"""``otv status ID``: where a verification is, and how it ended."""

from __future__ import annotations

import asyncio
import sys

import click

from otv.bus import Bus
from otv.cli.output import console, print_status
from otv.client import FIRST_CONNECT_S, VerificationClient
from otv.errors import UsageError
from otv.queries import VerificationStatus
from otv.settings import Settings
from otv.telemetry import Telemetry


@click.command()
@click.argument("verification_id")
@click.option("--server", metavar="URL", help="NATS URL of a running otv (default: $OTV_SERVER).")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(verification_id: str, server: str | None, as_json: bool) -> int:
    """Show the status of a verification.

    \b
    Example:
      otv status 3f2a9c0d5b8e4f61a7c2d9e0b1f4a6c3 --server nats://127.0.0.1:4222
    """
    settings = Settings.from_env(nats_url=server)
    if settings.nats_url is None:
        raise UsageError(
            "no otv server given: pass --server URL or set OTV_SERVER "
            "(start one with `otv up`; a throw-away embedded run keeps no history)"
        )
    answer = asyncio.run(_status(settings.nats_url, verification_id))
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
    else:
        print_status(console(), answer)
    return 0


async def _status(url: str, verification_id: str) -> VerificationStatus:
    bus = await Bus.connect(url, Telemetry.for_service("cli"), FIRST_CONNECT_S)
    try:
        return await VerificationClient(bus, api_key="").status(verification_id)
    finally:
        await bus.close()
