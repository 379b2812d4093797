"""The keys auth admits, and recognising the one a request presents."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from otv.errors import UsageError
from otv.keys import KEY_PREFIX, MAX_KEY_LENGTH, key_hash
from otv.permissions import Role


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    role: Role
    hash: str


class Unauthenticated(Exception):
    """The presented credential does not identify a key; the message says why."""


class _KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    role: Role
    hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: object) -> Role:
        return Role.parse(str(value)) if not isinstance(value, Role) else value


class _AuthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    keys: list[_KeyEntry] = Field(default_factory=list)


def load_auth_config(path: Path) -> list[KeyRecord]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"auth configuration not found: {path}") from None
    except yaml.MarkedYAMLError as exc:
        # Only where and what: YAML's own message quotes the line, which may hold a key.
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise UsageError(f"cannot read auth configuration {where}: {exc.problem}") from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read auth configuration {path}: {type(exc).__name__}") from None
    try:
        config = _AuthConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise UsageError(f"{path}: {where}: {error['msg']}") from None
    return [KeyRecord(e.id, e.name, e.role, e.hash) for e in config.keys]


class KeyTable:
    def __init__(self, records: Iterable[KeyRecord]) -> None:
        self._by_hash: dict[str, KeyRecord] = {}
        for record in records:
            if record.hash in self._by_hash:
                raise UsageError(
                    f"keys {self._by_hash[record.hash].id!r} and {record.id!r} are one key"
                )
            self._by_hash[record.hash] = record

    def __len__(self) -> int:
        return len(self._by_hash)

    def authenticate(self, authorization: str | None) -> KeyRecord:
        """The key an ``Authorization: Bearer <key>`` header presents."""
        if not authorization:
            raise Unauthenticated("no API key presented")
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
        key = key.strip()
        if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.startswith(KEY_PREFIX):
            raise Unauthenticated("malformed API key: otv keys start with 'otv_'")
        presented = key_hash(key)
        record = self._by_hash.get(presented)
        if record is None or not hmac.compare_digest(record.hash, presented):
            raise Unauthenticated("unknown API key")
        return record
