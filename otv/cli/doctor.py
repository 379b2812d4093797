"""``otv doctor``: check what otv needs here, and say what to fix.

It checks git, the configuration, the server, the key and its role, and the
server's version; each failing check says what is wrong and what to do. Exit
status: 0 when nothing fails, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import click
from rich.markup import escape

from otv import __version__
from otv.auth_messages import AuthorizeAnswer, AuthorizeQuery
from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.subjects import ApiSubject
from otv.cli.config import Connection, resolve_connection
from otv.cli.output import OutputMode, console, output_options
from otv.cli.session import connection_flags
from otv.client import VerificationClient
from otv.errors import OtvError
from otv.permissions import Permission
from otv.redaction import redact
from otv.telemetry import Telemetry

# git merge-tree --write-tree, which the speculative merges use, came with git 2.38.
MIN_GIT = (2, 38)
_CONNECT_S = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_git() -> Check:
    git = shutil.which("git")
    if git is None:
        return Check("git", False, "git is not on PATH", "install git 2.38 or newer")
    printed = subprocess.run(
        [git, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    found = re.search(r"(\d+)\.(\d+)", printed)
    version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if version < MIN_GIT:
        return Check("git", False, f"{printed} is too old", "install git 2.38 or newer")
    return Check("git", True, printed)


def _key_fault(exc: ApiError) -> Check:
    message = exc.message
    if exc.code == "429":
        return Check("key", False, message, "wait a minute: too many failed attempts")
    if "revoked" in message:
        fix = "ask an admin for a new key (otv keys create); this one was revoked"
    elif "expired" in message:
        fix = "ask an admin for a new key (otv keys create); this one has expired"
    else:
        fix = "check the key in --api-key-file, OTV_API_KEY or config.toml's api_key_file"
    return Check("key", False, message, fix)


async def check_server(connection: Connection) -> list[Check]:
    """Reach the server, then ask auth what the key may do."""
    if connection.server is None:
        return [
            Check(
                "server",
                True,
                "none configured: otv verify runs a throw-away embedded stack",
                "",
            )
        ]
    where = f"{redact(connection.server)} (from {connection.server_from})"
    telemetry = Telemetry.for_service("cli", alone=True)
    try:
        bus = await Bus.connect(connection.server, telemetry, _CONNECT_S)
    except OtvError:
        return [
            Check(
                "server",
                False,
                f"cannot reach {where}",
                "start one with `otv up`, or fix --server / OTV_SERVER / config.toml",
            )
        ]
    checks = [Check("server", True, f"reached {where}")]
    try:
        if connection.api_key is None:
            checks.append(
                Check(
                    "key",
                    False,
                    "no API key given",
                    "pass --api-key-file FILE, set OTV_API_KEY, or set api_key_file in config.toml",
                )
            )
            return checks
        client = VerificationClient(bus, connection.api_key)
        checks.extend(await _key_checks(client, connection))
    finally:
        await bus.close()
        telemetry.shutdown()
    return checks


async def _ask(client: VerificationClient, permission: Permission) -> AuthorizeAnswer:
    query = AuthorizeQuery(permission=permission, subject="otv doctor")
    reply = await client.request(ApiSubject.AUTHORIZE, query.model_dump_json().encode())
    return AuthorizeAnswer.model_validate_json(reply)


async def _key_checks(client: VerificationClient, connection: Connection) -> list[Check]:
    try:
        answer = await _ask(client, Permission.STATUS)
    except ApiError as exc:
        return [_key_fault(exc)]
    except OtvError as exc:
        return [Check("key", False, exc.message, "is the auth service running?")]
    principal = answer.principal
    checks = [
        Check(
            "key",
            True,
            f"key {principal.key_id} ({principal.key_name}) from {connection.key_from}",
        )
    ]
    try:
        await _ask(client, Permission.SUBMIT)
        checks.append(Check("role", True, f"{principal.role}: may run verifications"))
    except ApiError as exc:
        checks.append(
            Check(
                "role",
                False,
                f"{principal.role}: may look at verifications but not run them ({exc.message})",
                "ask an admin for a key with the run role (otv keys create NAME --role run)",
            )
        )
    if answer.version and answer.version != __version__:
        checks.append(
            Check(
                "version",
                True,
                f"server {answer.version}, this client {__version__}: "
                "they work together, but upgrade the older one",
            )
        )
    else:
        checks.append(Check("version", True, f"server and client {__version__}"))
    return checks


@click.command()
@connection_flags
@output_options("Print the checks as JSON.")
def doctor(
    server: str | None, api_key: str | None, api_key_file: Path | None, mode: OutputMode
) -> int:
    """Check git, the configuration, the server, the key and its role; say what to fix.

    Exit status: 0 when every check passes, 1 otherwise.

    \b
    Example:
      otv doctor --server nats://otv.example.com:4222 --api-key-file ~/.config/otv/key
    """
    checks = [check_git()]
    try:
        connection = resolve_connection(server, api_key, api_key_file)
    except OtvError as exc:
        checks.append(Check("configuration", False, exc.message, "fix the file it names"))
        connection = None
    if connection is not None:
        checks.extend(asyncio.run(check_server(connection)))
    if mode == "json":
        click.echo(json.dumps([asdict(check) for check in checks], indent=2))
    elif mode == "text":
        out = console()
        for check in checks:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            out.print(f"{mark} {check.name:<13} {escape(check.detail)}", highlight=False)
            if check.fix:
                out.print(f"  fix: {check.fix}", highlight=False, markup=False)
    return 0 if all(check.ok for check in checks) else 1
