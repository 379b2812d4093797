"""Building event metadata."""

from __future__ import annotations

import re
import uuid

from google.protobuf.timestamp_pb2 import Timestamp

from otv.errors import UsageError
from otv.v1 import events_pb2 as pb

SCHEMA_VERSION = 1
_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def new_verification_id() -> str:
    return uuid.uuid4().hex


def check_id(kind: str, value: str) -> str:
    """``value`` if it is a usable verification or correlation id (it names KV keys)."""
    if not _ID.match(value):
        raise UsageError(f"invalid {kind} {value[:80]!r}: use 1 to 64 letters, digits, '-' or '_'")
    return value


def meta(event_id: str, verification_id: str, correlation_id: str, producer: str) -> pb.EventMeta:
    time = Timestamp()
    time.GetCurrentTime()
    return pb.EventMeta(
        event_id=event_id,
        verification_id=verification_id,
        correlation_id=correlation_id,
        producer=producer,
        time=time,
        schema_version=SCHEMA_VERSION,
    )


def follow(previous: pb.EventMeta, event_id: str, producer: str) -> pb.EventMeta:
    """Metadata for an event that follows ``previous`` in the same verification."""
    return meta(event_id, previous.verification_id, previous.correlation_id, producer)
