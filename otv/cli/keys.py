"""``otv keys``: API keys, managed through the auth service, or made offline for its config.

``create``, ``list``, ``revoke`` and ``rotate`` talk to a running otv and need
an admin key. ``new`` and ``hash`` work offline with the pepper
(``OTV_PEPPER_FILE``), to put a key's hash in ``auth_config.yaml``.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

import click
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from otv.auth_messages import CreatedKey, CreateKey, KeyId, KeyInfo, KeyList, RotateKey
from otv.bus.subjects import ApiSubject
from otv.cli.output import OutputMode, console, output_options
from otv.cli.session import server_options, session
from otv.durations import parse_duration
from otv.errors import UsageError
from otv.keys import key_hash, new_key, parse_key, read_pepper
from otv.permissions import Role
from otv.settings import Settings

ROLES = [role.label for role in Role]


@click.group()
def keys() -> None:
    """Create, list, revoke and rotate API keys (needs an admin key).

    \b
    Examples:
      otv keys create --name "CI pipeline" --role run --expires 90d
      otv keys list
    """


async def _ask(
    server: str | None, api_key: str | None, subject: str, query: BaseModel | None
) -> bytes:
    body = query.model_dump_json().encode() if query is not None else b"{}"
    async with session(server, api_key) as client:
        return await client.request(subject, body)


def _show_created(created: CreatedKey, mode: OutputMode, note: str = "") -> None:
    if mode == "json":
        sys.stdout.write(created.model_dump_json(indent=2) + "\n")
        return
    if mode == "quiet":
        click.echo(created.key)  # just the key, for `KEY=$(otv keys create ... -q)`
        return
    info = created.info
    expires = f", expires {info.expires_at:%Y-%m-%d %H:%M} UTC" if info.expires_at else ""
    click.echo(f"key {info.id} ({info.name}, role {info.role}{expires}){note}")
    click.echo("the key, shown only now — store it as a secret:")
    click.echo(created.key)


@keys.command()
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--expires", metavar="DURATION", help="Lifetime, e.g. 30d or 12h (default: none).")
@server_options
@output_options("Print the answer as JSON (--quiet: the key alone).")
def create(
    name: str,
    role: str,
    expires: str | None,
    server: str | None,
    api_key: str | None,
    mode: OutputMode,
) -> int:
    """Create a key; it is printed once and only its hash is kept.

    \b
    Example:
      otv keys create --name "CI pipeline" --role run --expires 90d
    """
    lifetime = parse_duration(expires, "--expires") if expires else None
    query = CreateKey(name=name, role=role, expires_in_s=lifetime)
    _show_created(
        CreatedKey.model_validate_json(
            asyncio.run(_ask(server, api_key, ApiSubject.KEYS_CREATE, query))
        ),
        mode,
    )
    return 0


@keys.command("list")
@server_options
@output_options("Print the keys as JSON (--quiet: their ids alone).")
def list_keys(server: str | None, api_key: str | None, mode: OutputMode) -> int:
    """List keys: ids, names, roles, states and dates; never a secret.

    \b
    Example:
      otv keys list
    """
    answer = KeyList.model_validate_json(
        asyncio.run(_ask(server, api_key, ApiSubject.KEYS_LIST, None))
    )
    if mode == "json":
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return 0
    if mode == "quiet":
        for key in answer.keys:
            click.echo(key.id)
        return 0
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("id", "name", "role", "state", "created", "last used", "expires", "source"):
        table.add_column(column)
    for key in answer.keys:
        table.add_row(
            key.id,
            escape(key.name),
            key.role,
            key.state,
            _when(key.created_at),
            _when(key.last_used_at),
            _when(key.expires_at),
            key.source,
        )
    console().print(table)
    return 0


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


@keys.command()
@click.argument("key_id")
@server_options
@output_options("Print the revoked key's record as JSON.")
def revoke(key_id: str, server: str | None, api_key: str | None, mode: OutputMode) -> int:
    """Revoke a key at once, in every service.

    \b
    Example:
      otv keys revoke 8c4Rk2Qa
    """
    info = KeyInfo.model_validate_json(
        asyncio.run(_ask(server, api_key, ApiSubject.KEYS_REVOKE, KeyId(id=key_id)))
    )
    if mode == "json":
        sys.stdout.write(info.model_dump_json(indent=2) + "\n")
    elif mode == "text":
        click.echo(f"key {info.id} ({info.name}) is revoked")
    return 0


@keys.command()
@click.argument("key_id")
@click.option(
    "--grace",
    default="0s",
    show_default=True,
    metavar="DURATION",
    help="How long the old key keeps working, e.g. 24h.",
)
@server_options
@output_options("Print the answer as JSON (--quiet: the new key alone).")
def rotate(
    key_id: str, grace: str, server: str | None, api_key: str | None, mode: OutputMode
) -> int:
    """Replace a key with a new one of the same name and role.

    \b
    Example:
      otv keys rotate 8c4Rk2Qa --grace 24h
    """
    grace_s = parse_duration(grace, "--grace")
    query = RotateKey(id=key_id, grace_s=grace_s)
    created = CreatedKey.model_validate_json(
        asyncio.run(_ask(server, api_key, ApiSubject.KEYS_ROTATE, query))
    )
    ends = datetime.now(UTC) + timedelta(seconds=grace_s)
    _show_created(created, mode, f"; replaces {key_id}, which ends {ends:%Y-%m-%d %H:%M} UTC")
    return 0


def _pepper() -> bytes:
    settings = Settings.from_env()
    value = settings.pepper.get_secret_value() if settings.pepper else None
    return read_pepper(value, settings.pepper_file)


@keys.command("hash")
def hash_key() -> int:
    """Print the hash of the key read from stdin, for auth_config.yaml (needs the pepper).

    The key is read from stdin, not an argument, so it stays out of shell history.

    \b
    Example:
      OTV_PEPPER_FILE=/run/secrets/otv-pepper otv keys hash < ci.key
    """
    pepper = _pepper()
    try:
        key = parse_key(sys.stdin.readline().strip())
    except ValueError as exc:
        raise UsageError(f"expected an otv key on stdin: {exc}") from None
    click.echo(f"id: {key.id}")
    click.echo(f"hash: {key_hash(key.text, pepper)}")
    return 0


@keys.command()
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option("--role", type=click.Choice(ROLES), default="run", show_default=True)
def new(name: str, role: str) -> int:
    """Make a key offline, and the entry that admits it in auth_config.yaml (needs the pepper).

    \b
    Example:
      OTV_PEPPER_FILE=/run/secrets/otv-pepper otv keys new --name "CI pipeline" --role run
    """
    pepper = _pepper()
    key = new_key()
    key_id = parse_key(key).id
    click.echo(f"key (shown only now): {key}")
    click.echo("entry for the keys: list of auth_config.yaml:")
    quoted_name = "'" + name.replace("'", "''") + "'"
    click.echo(
        f"  - {{id: '{key_id}', name: {quoted_name}, role: {role}, "
        f"hash: '{key_hash(key, pepper)}'}}"
    )
    return 0
