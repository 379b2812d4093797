"""Deciding whether a presented key may do something.

The checks run in an order that leaks nothing: the key's shape and checksum
first (no lookup), then its keyed hash, compared in constant time. A wrong
secret and an unknown id get the same answer, and whether a key is revoked or
expired is only said to someone who holds its secret.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from otv.auth_messages import Principal
from otv.keys import MalformedKey, key_hash, parse_key
from otv.permissions import REQUIRED_ROLE, Permission, allows
from services.auth.records import KeyRecord, KeyState
from services.auth.store import KeyStore, utc_now
from services.auth.throttle import Throttle

# Decisions callers may reuse for at most this long (see otv.authz).
DECISION_TTL_S = 10.0


class Denied(Exception):
    """Refused: an HTTP-style code and a reason the caller may be told."""

    def __init__(self, code: str, reason: str, key_id: str = "", throttled: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.key_id = key_id
        self.throttled = throttled


@dataclass(frozen=True)
class Decision:
    principal: Principal
    valid_for_s: float


class Authenticator:
    def __init__(
        self,
        store: KeyStore,
        pepper: bytes,
        throttle: Throttle,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._pepper = pepper
        self._throttle = throttle
        self._clock = clock

    def authorize(self, authorization: str | None, permission: Permission) -> Decision:
        """The key ``authorization`` presents, if it may ``permission``; ``Denied`` if not."""
        record = self._authenticate(authorization)
        if not allows(record.role, permission):
            needed = REQUIRED_ROLE[permission].label
            raise Denied(
                "403",
                f"key {record.id} has role {record.role.label}; {permission} needs {needed}",
                key_id=record.id,
            )
        self._store.touch(record.id)
        valid_for = DECISION_TTL_S
        if record.expires_at is not None:
            valid_for = min(valid_for, (record.expires_at - self._clock()).total_seconds())
        principal = Principal(key_id=record.id, key_name=record.name, role=record.role.label)
        return Decision(principal, max(0.0, valid_for))

    def _authenticate(self, authorization: str | None) -> KeyRecord:
        key_id = ""
        try:
            scheme, _, text = (authorization or "").partition(" ")
            if not authorization:
                raise MalformedKey("no API key presented")
            if scheme.lower() != "bearer":
                raise MalformedKey("the Authorization header must be 'Bearer <key>'")
            key = parse_key(text.strip())
            key_id = key.id
            record = self._store.get(key.id)
            presented = key_hash(key.text, self._pepper)
            # Compare even when the id is unknown, so both take the same time.
            if not hmac.compare_digest(record.hash if record else "", presented) or not record:
                raise MalformedKey("unknown API key")
            state = record.state(self._clock())
            if state is not KeyState.ACTIVE:
                raise MalformedKey(f"{state} API key {record.id}")
        except MalformedKey as exc:
            throttled = self._throttle.failed(key_id or None)
            if throttled:
                raise Denied(
                    "429", "too many failed attempts; wait a minute", key_id, throttled=True
                ) from None
            raise Denied("401", str(exc), key_id) from None
        return record
