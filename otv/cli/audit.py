"""``otv audit verify``: check that the audit trail is whole (needs an admin key)."""

from __future__ import annotations

import asyncio
import sys

import click

from otv.auth_messages import AuditCheck
from otv.bus.subjects import ApiSubject
from otv.cli.output import OutputMode, output_options
from otv.cli.session import server_options, session


@click.group()
def audit() -> None:
    """Check the audit trail of authorization decisions (needs an admin key).

    \b
    Example:
      otv audit verify
    """


@audit.command()
@server_options
@output_options("Print the result as JSON.")
def verify(server: str | None, api_key: str | None, mode: OutputMode) -> int:
    """Check the hash chain of the audit trail; exit 1 if a record was removed or altered.

    \b
    Example:
      otv audit verify --server nats://127.0.0.1:4222
    """
    check = asyncio.run(_verify(server, api_key))
    if mode == "json":
        sys.stdout.write(check.model_dump_json(indent=2) + "\n")
    elif check.ok:
        if mode == "text":
            click.echo(
                f"audit trail intact: {check.records} records "
                f"({check.first_sequence} to {check.last_sequence})"
            )
    else:
        click.echo(f"audit trail broken ({len(check.problems)} problems):", err=True)
        for problem in check.problems:
            click.echo(f"  {problem}", err=True)
    return 0 if check.ok else 1


async def _verify(server: str | None, api_key: str | None) -> AuditCheck:
    async with session(server, api_key) as client:
        return AuditCheck.model_validate_json(await client.request(ApiSubject.AUDIT_VERIFY, b"{}"))
