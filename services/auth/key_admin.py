"""Managing keys: create, list, revoke, rotate, and seeding from configuration.

Seeding makes the store agree with ``auth_config.yaml`` and the bootstrap
admin key: configured keys are added or updated (a revocation made through the
API stands), configured keys no longer in the file are revoked, and only the
current bootstrap key stays active.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from otv.auth_messages import KeyInfo
from otv.bus import Conflict
from otv.errors import SystemFailure
from otv.keys import key_hash, new_key, parse_key
from otv.permissions import Role
from services.auth.config import ConfiguredKey
from services.auth.records import KeyRecord
from services.auth.store import KeyStore, utc_now

_CREATE_ATTEMPTS = 5


class UnknownKey(LookupError):
    pass


def key_info(record: KeyRecord, now: datetime) -> KeyInfo:
    return KeyInfo(
        id=record.id,
        name=record.name,
        role=record.role.label,
        state=record.state(now),
        source=record.source,
        created_at=record.created_at,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
        last_used_at=record.last_used_at,
        replaced_by=record.replaced_by,
    )


class KeyAdmin:
    def __init__(
        self, store: KeyStore, pepper: bytes, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._store = store
        self._pepper = pepper
        self._clock = clock

    def infos(self) -> list[KeyInfo]:
        now = self._clock()
        return [key_info(record, now) for record in self._store.all()]

    async def create(
        self, name: str, role: Role, expires_in_s: float | None = None
    ) -> tuple[str, KeyRecord]:
        """A new key (shown once, then only its hash is kept) and its record."""
        now = self._clock()
        for _ in range(_CREATE_ATTEMPTS):
            key = new_key()
            record = KeyRecord(
                id=parse_key(key).id,
                name=name,
                role=role,
                hash=key_hash(key, self._pepper),
                source="api",
                created_at=now,
                expires_at=now + timedelta(seconds=expires_in_s) if expires_in_s else None,
            )
            try:
                await self._store.create(record)
            except Conflict:
                continue  # an id already taken: draw another
            return key, record
        raise SystemFailure("could not find a free key id")

    async def revoke(self, key_id: str) -> KeyRecord:
        now = self._clock()

        def revoke(record: KeyRecord | None) -> KeyRecord | None:
            if record is None or (record.revoked_at and record.revoked_at <= now):
                return record
            return record.model_copy(update={"revoked_at": now})

        revoked = await self._store.change(key_id, revoke)
        if revoked is None:
            raise UnknownKey(key_id)
        return revoked

    async def rotate(self, key_id: str, grace_s: float) -> tuple[str, KeyRecord]:
        """A new key with the old one's name and role; the old one ends after ``grace_s``."""
        old = self._store.get(key_id)
        if old is None:
            raise UnknownKey(key_id)
        key, new = await self.create(old.name, old.role)
        ends = self._clock() + timedelta(seconds=grace_s)

        def retire(record: KeyRecord | None) -> KeyRecord | None:
            if record is None:
                return None
            expires = min(ends, record.expires_at) if record.expires_at else ends
            return record.model_copy(update={"expires_at": expires, "replaced_by": new.id})

        await self._store.change(key_id, retire)
        return key, new

    async def seed(self, configured: list[ConfiguredKey], bootstrap_key: str | None) -> list[str]:
        """Make the store agree with the configuration; the ids of keys it revoked."""
        now = self._clock()
        for entry in configured:

            def upsert(record: KeyRecord | None, entry: ConfiguredKey = entry) -> KeyRecord:
                fields = {
                    "name": entry.name,
                    "role": entry.role,
                    "hash": entry.hash,
                    "expires_at": entry.expires_at,
                    "source": "config",
                }
                if record is None:
                    return KeyRecord(id=entry.id, created_at=now, **fields)
                return record.model_copy(update=fields)

            await self._store.change(entry.id, upsert)
        bootstrap_id = ""
        if bootstrap_key:
            bootstrap_id = parse_key(bootstrap_key).id
            digest = key_hash(bootstrap_key, self._pepper)

            def admit(record: KeyRecord | None) -> KeyRecord:
                if record is not None and record.hash == digest:
                    return record  # already known; a revocation made since stands
                return KeyRecord(
                    id=bootstrap_id,
                    name="bootstrap admin key",
                    role=Role.ADMIN,
                    hash=digest,
                    source="bootstrap",
                    created_at=now,
                )

            await self._store.change(bootstrap_id, admit)
        configured_ids = {entry.id for entry in configured}
        retired = [
            record.id
            for record in self._store.all()
            if record.state(now) != "revoked"
            and (
                (record.source == "config" and record.id not in configured_ids)
                or (record.source == "bootstrap" and record.id != bootstrap_id)
            )
        ]
        for key_id in retired:
            await self.revoke(key_id)
        return retired
