"""``otv keys``: make API keys and hashes for ``auth_config.yaml``.

These work offline, on this machine; nothing is sent anywhere.
"""

from __future__ import annotations

import re
import sys

import click

from otv.errors import UsageError
from otv.keys import KEY_PREFIX, key_hash, new_key
from otv.permissions import Role

_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@click.group()
def keys() -> None:
    """Make API keys and their hashes for auth_config.yaml."""


@keys.command()
@click.option("--id", "key_id", required=True, help="A short id for the key, e.g. ci.")
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option(
    "--role", type=click.Choice([r.label for r in Role]), default="run", show_default=True
)
def new(key_id: str, name: str, role: str) -> int:
    """Make a new key, and the entry that admits it in auth_config.yaml.

    The key is printed once: give it to its user. Only the entry, which holds
    its hash, goes into the configuration.

    \b
    Example:
      otv keys new --id ci --name "CI pipeline" --role run
    """
    if not _ID.match(key_id):
        raise UsageError(f"invalid key id {key_id!r}: use 1 to 64 letters, digits, '-' or '_'")
    key = new_key()
    entry = {"id": key_id, "name": name, "role": role, "hash": key_hash(key)}
    click.echo(f"key (shown only now): {key}")
    click.echo("entry for the keys: list of auth_config.yaml:")
    fields = ", ".join(f"{field}: {_yaml_scalar(value)}" for field, value in entry.items())
    click.echo(f"  - {{{fields}}}")
    return 0


@keys.command("hash")
def hash_key() -> int:
    """Print the hash of the key read from stdin (not an argument: it stays out of history).

    \b
    Example:
      otv keys hash < ci.key
    """
    key = sys.stdin.readline().strip()
    if not key.startswith(KEY_PREFIX):
        raise UsageError("expected an otv key (otv_...) on stdin")
    click.echo(key_hash(key))
    return 0


def _yaml_scalar(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
