"""Typed access to JetStream KV buckets and object stores.

``Records`` saves with optimistic concurrency: a write names the revision it
read, and fails with ``Conflict`` if another replica wrote in between.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from nats.errors import Error as NatsError
from nats.js.errors import (
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
    NotFoundError,
    ObjectDeletedError,
    ObjectNotFoundError,
)
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from nats.js.object_store import ObjectStore

from otv.errors import SystemFailure


class Conflict(SystemFailure):
    """Another writer changed the record since it was read."""


@dataclass(frozen=True)
class Record:
    value: bytes
    revision: int


class Records:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def get(self, key: str) -> Record | None:
        try:
            entry = await self._kv.get(key)
        except (KeyNotFoundError, KeyDeletedError, NotFoundError):
            return None
        if entry.value is None or entry.revision is None:
            return None
        return Record(entry.value, entry.revision)

    async def items(self) -> dict[str, Record]:
        """Every record in the bucket."""
        try:
            keys = await self._kv.keys()
        except NoKeysError:
            return {}
        found = {}
        for key in keys:
            if (record := await self.get(key)) is not None:
                found[key] = record
        return found

    async def watch(self) -> AsyncIterator[tuple[str, Record | None]]:
        """Every record as it is now, then each change as it happens (None: deleted)."""
        watcher = await self._kv.watchall()
        try:
            async for entry in watcher:
                if entry is None:
                    continue  # the marker between what was there and what changes
                if entry.operation in (KV_DEL, KV_PURGE) or entry.value is None:
                    yield entry.key, None
                else:
                    yield entry.key, Record(entry.value, entry.revision or 0)
        finally:
            with contextlib.suppress(NatsError):
                await watcher.stop()  # type: ignore[no-untyped-call]

    async def put(self, key: str, value: bytes) -> int:
        """Write ``value`` whatever is there (for caches, where the last writer may win)."""
        return await self._kv.put(key, value)

    async def save(self, key: str, value: bytes, revision: int) -> int:
        """Write ``value`` if the record is still at ``revision`` (0: if it does not exist)."""
        try:
            return await self._kv.update(key, value, last=revision)
        except KeyWrongLastSequenceError:
            raise Conflict(f"record {key} changed since revision {revision}") from None


class Objects:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    async def put(self, name: str, data: bytes) -> None:
        await self._store.put(name, data)

    async def delete(self, name: str) -> None:
        with contextlib.suppress(ObjectNotFoundError, ObjectDeletedError, NotFoundError):
            await self._store.delete(name)

    async def get(self, name: str) -> bytes | None:
        try:
            result = await self._store.get(name)
        except (ObjectNotFoundError, ObjectDeletedError, NotFoundError):
            return None
        return result.data
