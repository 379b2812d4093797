"""The key store: key records in a KV bucket, with a copy in memory.

Lookups read the memory copy, which follows the bucket (a watch), so a key
created or revoked by any auth replica is known to all within milliseconds.
Writes go to the bucket with the revision they read, and retry on conflict.
When a key was last used is noted in memory and written out now and then,
not on every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from otv.bus import Conflict, Records
from otv.errors import SystemFailure
from services.auth.records import KeyRecord

log = logging.getLogger(__name__)

KEYS_BUCKET = "otv_keys"
_SAVE_ATTEMPTS = 10


def utc_now() -> datetime:
    return datetime.now(UTC)


class KeyStore:
    def __init__(self, records: Records, clock: Callable[[], datetime] = utc_now) -> None:
        self._records = records
        self._clock = clock
        self._keys: dict[str, KeyRecord] = {}
        self._used: dict[str, datetime] = {}

    async def load(self) -> None:
        for key_id, record in (await self._records.items()).items():
            self._keys[key_id] = KeyRecord.from_json(record.value)

    async def follow(self, stop: asyncio.Event) -> None:
        """Keep the memory copy in step with the bucket until ``stop``."""
        watching = asyncio.create_task(self._watch())
        await stop.wait()
        watching.cancel()

    async def _watch(self) -> None:
        async for key_id, record in self._records.watch():
            if record is None:
                self._keys.pop(key_id, None)
            else:
                self._keys[key_id] = KeyRecord.from_json(record.value)

    def get(self, key_id: str) -> KeyRecord | None:
        return self._keys.get(key_id)

    def all(self) -> list[KeyRecord]:
        return sorted(self._keys.values(), key=lambda r: (r.created_at, r.id))

    async def create(self, record: KeyRecord) -> None:
        """Store a new key; ``Conflict`` if its id is taken."""
        await self._records.save(record.id, record.to_json(), 0)
        self._keys[record.id] = record

    async def change(
        self, key_id: str, change: Callable[[KeyRecord | None], KeyRecord | None]
    ) -> KeyRecord | None:
        """Apply ``change`` to the stored record (None: absent) and save what it returns."""
        for _ in range(_SAVE_ATTEMPTS):
            stored = await self._records.get(key_id)
            current = KeyRecord.from_json(stored.value) if stored else None
            updated = change(current)
            if updated is None or updated == current:
                return current
            try:
                await self._records.save(
                    key_id, updated.to_json(), stored.revision if stored else 0
                )
            except Conflict:
                continue
            self._keys[key_id] = updated
            return updated
        raise SystemFailure(f"key {key_id} kept changing under {_SAVE_ATTEMPTS} attempts")

    def touch(self, key_id: str) -> None:
        self._used[key_id] = self._clock()

    async def flush_usage(self) -> None:
        used, self._used = self._used, {}
        for key_id, when in used.items():

            def mark(record: KeyRecord | None, when: datetime = when) -> KeyRecord | None:
                if record is None or (record.last_used_at and record.last_used_at >= when):
                    return record
                return record.model_copy(update={"last_used_at": when})

            try:
                await self.change(key_id, mark)
            except SystemFailure as exc:
                log.warning("could not record when key %s was last used: %s", key_id, exc)

    async def keep_usage(self, stop: asyncio.Event, every_s: float = 30.0) -> None:
        """Write out when keys were last used every ``every_s`` seconds, and at the end."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
            await self.flush_usage()
