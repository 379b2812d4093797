"""Where the command line finds its server, key and profile.

Flags first, then ``OTV_SERVER`` / ``OTV_API_KEY`` (or ``OTV_API_KEY_FILE``) /
``OTV_PROFILE``, then the user's ``config.toml``
(``$OTV_CONFIG``, else ``$XDG_CONFIG_HOME/otv/config.toml``, else
``~/.config/otv/config.toml``)::

    server = "nats://otv.example.com:4222"
    api_key_file = "~/.config/otv/key"
    profile = "default"

A key itself is never written in the configuration, only the file that holds
it; such a file must be readable by its owner only, as ssh asks of its keys.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from otv.errors import UsageError

_KNOWN = ("server", "api_key_file", "profile")


def config_path(environ: Mapping[str, str]) -> Path:
    if explicit := environ.get("OTV_CONFIG"):
        return Path(explicit).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "otv" / "config.toml"


@dataclass(frozen=True)
class ClientConfig:
    server: str | None = None
    api_key_file: Path | None = None
    profile: str | None = None
    path: Path | None = None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> ClientConfig:
        """The configuration file's settings; none when there is no file."""
        path = config_path(os.environ if environ is None else environ)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        try:
            values = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path} is not valid TOML: {exc}") from None
        unknown = sorted(set(values) - set(_KNOWN))
        if "api_key" in unknown:
            raise UsageError(
                f"{path}: keep the key out of the configuration: "
                "write it to a file of its own (chmod 600) and set api_key_file"
            )
        if unknown:
            raise UsageError(
                f"{path}: unknown setting {unknown[0]!r} (settings: {', '.join(_KNOWN)})"
            )
        for name, value in values.items():
            if not isinstance(value, str) or not value:
                raise UsageError(f"{path}: {name} must be a non-empty string")
        key_file = values.get("api_key_file")
        return cls(
            server=values.get("server"),
            api_key_file=Path(key_file).expanduser() if key_file else None,
            profile=values.get("profile"),
            path=path,
        )


def read_key_file(path: Path) -> str:
    """The API key in ``path``, which only its owner may read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except OSError as exc:
        raise UsageError(f"cannot read the API key file {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(f"the API key file {path} is readable by others: chmod 600 {path}")
    if not text:
        raise UsageError(f"the API key file {path} is empty")
    return text


@dataclass(frozen=True)
class Connection:
    """The server and key a command uses, and where each came from (for ``otv doctor``)."""

    server: str | None
    api_key: str | None
    server_from: str = ""
    key_from: str = ""


def resolve_connection(
    server: str | None,
    api_key: str | None,
    api_key_file: Path | None,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Flags, then the environment, then the configuration file."""
    env = os.environ if environ is None else environ
    config = ClientConfig.load(env)
    where = str(config.path) if config.path else "config.toml"
    servers = (
        (server, "--server"),
        (env.get("OTV_SERVER") or None, "OTV_SERVER"),
        (config.server, where),
    )
    chosen_server, server_from = next(((s, f) for s, f in servers if s), (None, ""))
    if api_key:
        return Connection(chosen_server, api_key, server_from, "--api-key")
    if api_key_file is not None:
        return Connection(
            chosen_server, read_key_file(api_key_file), server_from, str(api_key_file)
        )
    if env.get("OTV_API_KEY"):
        return Connection(chosen_server, env["OTV_API_KEY"], server_from, "OTV_API_KEY")
    if env.get("OTV_API_KEY_FILE"):
        file = Path(env["OTV_API_KEY_FILE"]).expanduser()
        return Connection(chosen_server, read_key_file(file), server_from, str(file))
    if config.api_key_file is not None:
        return Connection(
            chosen_server, read_key_file(config.api_key_file), server_from, str(config.api_key_file)
        )
    return Connection(chosen_server, None, server_from, "")


def default_profile(environ: Mapping[str, str] | None = None) -> str:
    """``OTV_PROFILE``, else the configuration's profile, else ``default``."""
    env = os.environ if environ is None else environ
    return env.get("OTV_PROFILE") or ClientConfig.load(env).profile or "default"
