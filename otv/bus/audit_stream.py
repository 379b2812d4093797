"""The audit stream: an append-only log that no API call can delete from or purge.

Appends name the sequence they follow, so several writers extend one linear
log: a writer that is not at the end learns so and can re-read the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext, api
from nats.js.errors import APIError, NotFoundError

from otv.bus.storage import Conflict
from otv.bus.topology import ensure_stream

AUDIT_STREAM = "OTV_AUDIT"
AUDIT_SUBJECT = "otv.v1.audit.decision"
_WRONG_LAST_SEQUENCE = 10071


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    data: bytes


class AuditStream:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def ensure(self, replicas: int) -> None:
        config = api.StreamConfig(
            name=AUDIT_STREAM,
            description="otv's audit log of authorization decisions, hash-chained",
            subjects=["otv.v1.audit.>"],
            storage=api.StorageType.FILE,
            num_replicas=replicas,
            deny_delete=True,
            deny_purge=True,
        )
        await ensure_stream(self._js, config)

    async def last(self) -> AuditEntry | None:
        info = await self._js.stream_info(AUDIT_STREAM)
        if info.state.messages == 0:
            return None
        message = await self._js.get_msg(AUDIT_STREAM, info.state.last_seq)
        return AuditEntry(info.state.last_seq, message.data or b"")

    async def append(self, data: bytes, after: int) -> int:
        """Append ``data`` if the log ends at sequence ``after``; ``Conflict`` if not."""
        headers = {str(api.Header.EXPECTED_LAST_SEQUENCE.value): str(after)}
        try:
            ack = await self._js.publish(AUDIT_SUBJECT, data, headers=headers, stream=AUDIT_STREAM)
        except APIError as exc:
            if exc.err_code == _WRONG_LAST_SEQUENCE:
                raise Conflict(f"the audit log no longer ends at {after}") from None
            raise
        return ack.seq

    async def entries(self) -> tuple[int, list[AuditEntry]]:
        """The first sequence the stream still holds, and every entry it holds."""
        info = await self._js.stream_info(AUDIT_STREAM)
        found: list[AuditEntry] = []
        if info.state.messages == 0:
            return info.state.last_seq + 1, found
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                message = await self._js.get_msg(AUDIT_STREAM, sequence)
            except NotFoundError:
                continue  # gone: the chain check will say so
            found.append(AuditEntry(sequence, message.data or b""))
        return info.state.first_seq, found
