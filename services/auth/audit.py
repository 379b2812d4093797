"""The audit trail: every authorization decision, hash-chained.

Each record carries the hash of the one before it and its own hash over its
fields and that link, so a record that was altered, removed or inserted
breaks the chain where it happened. Records are written by a background task
so a decision is never held up by the write; several auth replicas extend one
chain, each append naming the sequence it follows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from otv.auth_messages import AuditCheck
from otv.bus import Conflict
from otv.bus.audit_stream import AuditEntry, AuditStream
from services.auth.store import utc_now

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_QUEUE_CAPACITY = 100_000
# Records appended in one pipelined round.
_BATCH = 256


class AuditFields(BaseModel):
    """What is recorded about a decision. Never a key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time: datetime
    decision: str  # "allow" or "deny"
    code: str  # "200", or the refusal's code
    key_id: str
    permission: str
    subject: str
    correlation_id: str
    reason: str
    service: str


class AuditRecord(AuditFields):
    prev: str
    hash: str


def seal(fields: AuditFields, prev: str) -> AuditRecord:
    return AuditRecord(**fields.model_dump(), prev=prev, hash=_digest(fields, prev))


def _digest(fields: AuditFields, prev: str) -> str:
    canonical = json.dumps(
        {**fields.model_dump(mode="json"), "prev": prev}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify_chain(first_sequence: int, entries: list[AuditEntry]) -> AuditCheck:
    """Check the chain; every problem names the sequence where it is."""
    problems: list[str] = []
    expected_sequence = first_sequence
    previous_hash = GENESIS if first_sequence == 1 else ""
    for entry in entries:
        if entry.sequence != expected_sequence:
            problems.append(
                f"records {expected_sequence} to {entry.sequence - 1} are missing"
                if entry.sequence - expected_sequence > 1
                else f"record {expected_sequence} is missing"
            )
        try:
            record = AuditRecord.model_validate_json(entry.data)
        except ValidationError:
            problems.append(f"record {entry.sequence} is not an audit record")
            previous_hash, expected_sequence = "", entry.sequence + 1
            continue
        if (
            _digest(AuditFields(**record.model_dump(exclude={"prev", "hash"})), record.prev)
            != record.hash
        ):
            problems.append(f"record {entry.sequence} was altered: its hash does not match")
        elif previous_hash and record.prev != previous_hash:
            problems.append(f"record {entry.sequence} does not follow the record before it")
        previous_hash, expected_sequence = record.hash, entry.sequence + 1
    last = entries[-1].sequence if entries else first_sequence - 1
    return AuditCheck(
        ok=not problems,
        records=len(entries),
        first_sequence=first_sequence,
        last_sequence=last,
        problems=problems,
    )


class AuditTrail:
    def __init__(
        self, stream: AuditStream, service: str, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._stream = stream
        self._service = service
        self._clock = clock
        self._queue: asyncio.Queue[AuditFields] = asyncio.Queue(_QUEUE_CAPACITY)

    def record(
        self,
        *,
        allowed: bool,
        code: str,
        key_id: str,
        permission: str,
        subject: str,
        correlation_id: str,
        reason: str = "",
    ) -> None:
        """Queue a decision for the trail; the decision itself does not wait."""
        fields = AuditFields(
            time=self._clock(),
            decision="allow" if allowed else "deny",
            code=code,
            key_id=key_id,
            permission=permission,
            subject=subject,
            correlation_id=correlation_id,
            reason=reason,
            service=self._service,
        )
        log.info(
            "%s %s %s for key %s on %s%s",
            fields.decision,
            code,
            permission,
            key_id or "-",
            subject or "-",
            f": {reason}" if reason else "",
        )
        try:
            self._queue.put_nowait(fields)
        except asyncio.QueueFull:
            log.error("audit queue full: a decision was not recorded")

    async def run(self, stop: asyncio.Event) -> None:
        """Write queued decisions until ``stop``, then what is left."""
        last = await self._stream.last()
        position = (last.sequence, _hash_of(last)) if last else (0, GENESIS)
        while True:
            try:
                first = await asyncio.wait_for(self._queue.get(), 0.5)
            except TimeoutError:
                if stop.is_set():
                    return
                continue
            batch = [first]
            while len(batch) < _BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            position = await self._append(batch, position)
            for _ in batch:
                self._queue.task_done()

    async def _append(self, batch: list[AuditFields], position: tuple[int, str]) -> tuple[int, str]:
        """Append ``batch`` in order, pipelined: each record names the sequence it follows."""
        pending = batch
        for _ in range(100):
            sequence, prev = position
            sealed = []
            for fields in pending:
                sealed.append(seal(fields, prev))
                prev = sealed[-1].hash
            results = await asyncio.gather(
                *(
                    self._stream.append(record.model_dump_json().encode(), sequence + offset)
                    for offset, record in enumerate(sealed)
                ),
                return_exceptions=True,
            )
            written = next(
                (i for i, result in enumerate(results) if not isinstance(result, int)), len(results)
            )
            if written:
                position = (sequence + written, sealed[written - 1].hash)
            pending = pending[written:]
            if not pending:
                return position
            failure = results[written]
            if not isinstance(failure, Conflict):
                log.error("could not write %d audit records: %s", len(pending), failure)
                return position
            # Another replica appended: chain what is left onto what is at the end now.
            last = await self._stream.last()
            position = (last.sequence, _hash_of(last)) if last else (0, GENESIS)
        log.error("could not write %d audit records: the log kept moving", len(pending))
        return position

    async def flushed(self) -> None:
        """Wait until everything queued so far is written (for tests and shutdown)."""
        await self._queue.join()


def _hash_of(entry: AuditEntry) -> str:
    try:
        return AuditRecord.model_validate_json(entry.data).hash
    except ValidationError:
        # Not ours: chain onto its digest, so the stranger stays visible as a break.
        return hashlib.sha256(entry.data).hexdigest()
