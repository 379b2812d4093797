"""What auth keeps about a key: its id, owner, role, keyed hash and life cycle."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from otv.permissions import Role


def _role(value: object) -> Role:
    return value if isinstance(value, Role) else Role.parse(str(value))


# Stored and shown by name ("run"), not by number.
RoleName = Annotated[Role, BeforeValidator(_role), PlainSerializer(lambda r: r.label)]
Source = Literal["config", "bootstrap", "api"]


class KeyState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class KeyRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: RoleName
    hash: str
    source: Source
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    # For a rotated key: the id of the key that replaces it.
    replaced_by: str = ""

    def state(self, now: datetime) -> KeyState:
        if self.revoked_at is not None and self.revoked_at <= now:
            return KeyState.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return KeyState.EXPIRED
        return KeyState.ACTIVE

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes) -> KeyRecord:
        return cls.model_validate_json(data)
