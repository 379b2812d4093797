"""What auth's API is asked and answers (JSON over NATS request/reply).

The API key itself always travels in the ``Authorization`` header, never in a body.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from otv.permissions import Permission

_MAX_GRACE_S = 90 * 24 * 3600
_MAX_LIFETIME_S = 5 * 365 * 24 * 3600


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthorizeQuery(_Message):
    permission: Permission
    # What the caller is about to serve, for the audit record.
    subject: str = Field(default="", max_length=200)
    correlation_id: str = Field(default="", max_length=64)


class Principal(_Message):
    key_id: str
    key_name: str
    role: str


class AuthorizeAnswer(_Message):
    principal: Principal
    # How long a caller may reuse this decision.
    valid_for_s: float
    # The otv version of the auth replica that answered (for ``otv doctor``).
    version: str = ""


class KeyInfo(_Message):
    """A key as anyone may see it: never its secret, nor its hash."""

    id: str
    name: str
    role: str
    state: str
    source: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    replaced_by: str = ""


class CreateKey(_Message):
    name: str = Field(min_length=1, max_length=200)
    role: str
    expires_in_s: float | None = Field(default=None, gt=0, le=_MAX_LIFETIME_S)


class CreatedKey(_Message):
    """The only answer that ever carries a key: the caller shows it once."""

    key: str
    info: KeyInfo


class KeyId(_Message):
    id: str = Field(pattern=r"^[0-9A-Za-z]{8}$")


class RotateKey(_Message):
    id: str = Field(pattern=r"^[0-9A-Za-z]{8}$")
    grace_s: float = Field(default=0, ge=0, le=_MAX_GRACE_S)


class KeyList(_Message):
    keys: list[KeyInfo]


class AuditCheck(_Message):
    ok: bool
    records: int
    first_sequence: int
    last_sequence: int
    problems: list[str]
