"""Typed access to JetStream KV buckets and object stores.

``Records`` saves with optimistic concurrency: a write names the revision it
read, and fails with ``Conflict`` if another replica wrote in between.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import (
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
    NotFoundError,
    ObjectDeletedError,
    ObjectNotFoundError,
)
from nats.js.kv import KV_DEL, KV_OP, KV_PURGE, KeyValue
from nats.js.object_store import ObjectStore

from otv.errors import SystemFailure

_SNAPSHOT_S = 30.0
# A watch is an ephemeral consumer: once stopped, the server removes it after this
# long without interest (nats-py's default is 5 minutes: under load they piled up
# until JetStream refused new ones).
_WATCH_GONE_S = 5.0


class Conflict(SystemFailure):
    """Another writer changed the record since it was read."""


@dataclass(frozen=True)
class Record:
    value: bytes
    revision: int


class Records:
    def __init__(
        self, kv: KeyValue, bucket: str = "the bucket", js: JetStreamContext | None = None
    ) -> None:
        self._kv = kv
        self._bucket = bucket
        self._js = js

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

    async def snapshot(self) -> dict[str, bytes]:
        """Every record's value as it is now, read in one pass (no request per key).

        nats-py's end-of-snapshot marker can come before the first record, so
        the end is found from each record's count of those still to come.
        """
        if (await self._kv.status()).values == 0:
            return {}
        found: dict[str, bytes] = {}
        watcher = await self._kv.watchall(inactive_threshold=_WATCH_GONE_S)
        try:
            async with asyncio.timeout(_SNAPSHOT_S):
                async for entry in watcher:
                    if entry is None:
                        continue
                    if entry.operation in (KV_DEL, KV_PURGE) or entry.value is None:
                        found.pop(entry.key, None)
                    else:
                        found[entry.key] = entry.value
                    if not entry.delta:
                        break
        except TimeoutError:
            raise SystemFailure(f"reading {self._bucket} took over {_SNAPSHOT_S:g} s") from None
        finally:
            with contextlib.suppress(NatsError):
                await watcher.stop()  # type: ignore[no-untyped-call]
        return found

    async def follow(self, key: str) -> AsyncIterator[Record | None]:
        """The record ``key`` as it is now (None: absent), then each change (None: deleted)."""
        watcher = await self._kv.watch(key, inactive_threshold=_WATCH_GONE_S)
        try:
            async for entry in watcher:
                if entry is None:
                    continue  # the marker between what was there and what changes
                if entry.operation in (KV_DEL, KV_PURGE) or entry.value is None:
                    yield None
                else:
                    yield Record(entry.value, entry.revision or 0)
        finally:
            with contextlib.suppress(NatsError):
                await watcher.stop()  # type: ignore[no-untyped-call]

    async def purge(self, key: str) -> None:
        """Remove ``key`` and its history."""
        with contextlib.suppress(KeyNotFoundError, KeyDeletedError, NotFoundError):
            await self._kv.purge(key)

    async def changes(self) -> AsyncIterator[tuple[str, Record | None]]:
        """Each change from now on, by key (None: deleted); what is there now is not sent.

        A KV watch would first send the whole bucket: an ordered consumer that
        starts at new messages sends only what changes.
        """
        assert self._js is not None, "Records needs the JetStream context to follow changes"
        prefix = f"$KV.{self._bucket}."
        subscription = await self._js.subscribe(
            prefix + ">",
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
            inactive_threshold=_WATCH_GONE_S,
        )
        try:
            async for msg in subscription.messages:
                key = msg.subject.removeprefix(prefix)
                operation = (msg.headers or {}).get(KV_OP)
                if operation in (KV_DEL, KV_PURGE):
                    yield key, None
                else:
                    yield key, Record(msg.data, msg.metadata.sequence.stream)
        finally:
            with contextlib.suppress(NatsError):
                await subscription.unsubscribe()

    async def watch(self) -> AsyncIterator[tuple[str, Record | None]]:
        """Every record as it is now, then each change as it happens (None: deleted)."""
        watcher = await self._kv.watchall(inactive_threshold=_WATCH_GONE_S)
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

    async def modified(self) -> dict[str, datetime]:
        """Every object's name and when it was last written."""
        try:
            infos = await self._store.list(ignore_deletes=True)
        except NotFoundError:
            return {}
        found = {}
        for info in infos:
            if info.mtime and not info.deleted and (when := _parse_time(info.mtime)) is not None:
                found[info.name] = when
        return found


def _parse_time(text: str) -> datetime | None:
    """An RFC 3339 time, as nats-py writes it or (to the second) as other clients do."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text[:19] + "+00:00")
        except ValueError:
            return None
