"""The keys file of the auth service (``config/auth_config.yaml``).

It holds keyed hashes, never keys. Its keys are seeded into the key store at
start; a key removed from the file is revoked.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from otv.errors import UsageError
from otv.keys import HASH_PREFIX, KEY_ID
from services.auth.records import RoleName


class ConfiguredKey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=KEY_ID.pattern)
    name: str = Field(min_length=1, max_length=200)
    role: RoleName
    hash: str = Field(pattern=rf"^{HASH_PREFIX}[0-9a-f]{{64}}$")
    expires_at: datetime | None = None


class _AuthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    keys: list[ConfiguredKey] = Field(default_factory=list)


def load_auth_config(path: Path) -> list[ConfiguredKey]:
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
    ids = [key.id for key in config.keys]
    if duplicate := next((i for i in ids if ids.count(i) > 1), None):
        raise UsageError(f"{path}: key id {duplicate!r} appears twice")
    return list(config.keys)
