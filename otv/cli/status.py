"""``otv status ID``: where a verification is, and how it ended."""

from __future__ import annotations

import asyncio
import sys

import click

from otv.cli.output import OutputMode, console, output_options, print_status
from otv.cli.session import server_options, session
from otv.queries import VerificationStatus


@click.command()
@click.argument("verification_id")
@server_options
@output_options("Print the status as JSON.")
def status(verification_id: str, server: str | None, api_key: str | None, mode: OutputMode) -> int:
    """Show the status of a verification (needs a key with the read role).

    \b
    Example:
      otv status 3f2a9c0d5b8e4f61a7c2d9e0b1f4a6c3 --server nats://127.0.0.1:4222
    """
    answer = asyncio.run(_status(server, api_key, verification_id))
    if mode == "json":
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
    elif mode == "text":
        print_status(console(), answer)
    return 0


async def _status(server: str | None, api_key: str | None, vid: str) -> VerificationStatus:
    async with session(server, api_key) as client:
        return await client.status(vid)
