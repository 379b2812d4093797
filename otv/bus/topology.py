"""Creates the event stream, durable consumers and buckets, idempotently.

Every service calls these at start with the objects it needs; whoever comes
first creates them, the others find them. A changed configuration is applied
with an update rather than failing the start.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from otv.bus.subjects import EVENTS_STREAM, EVENTS_WILDCARD

# A re-published event with the same Nats-Msg-Id inside this window is dropped.
DUPLICATE_WINDOW_S = 15 * 60


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer on the event stream."""

    durable: str
    filter_subjects: tuple[str, ...]
    description: str
    ack_wait_s: float = 30.0
    max_deliver: int = 5
    max_ack_pending: int = 1000
    # True: a consumer created on a stream with history starts at new events (what
    # happened before it existed is not its business).
    from_now: bool = False


async def ensure_event_stream(js: JetStreamContext, replicas: int, max_age_s: float) -> None:
    config = api.StreamConfig(
        name=EVENTS_STREAM,
        description="otv's event log: every verification event, replayable",
        subjects=[EVENTS_WILDCARD],
        retention=api.RetentionPolicy.LIMITS,
        storage=api.StorageType.FILE,
        num_replicas=replicas,
        max_age=max_age_s,
        duplicate_window=DUPLICATE_WINDOW_S,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        # It exists with another configuration (an upgrade, or new settings).
        await js.update_stream(config)


async def ensure_consumer(js: JetStreamContext, spec: ConsumerSpec) -> None:
    filters = list(spec.filter_subjects)
    config = api.ConsumerConfig(
        durable_name=spec.durable,
        description=spec.description,
        deliver_policy=api.DeliverPolicy.NEW if spec.from_now else api.DeliverPolicy.ALL,
        ack_policy=api.AckPolicy.EXPLICIT,
        ack_wait=spec.ack_wait_s,
        max_deliver=spec.max_deliver,
        max_ack_pending=spec.max_ack_pending,
        filter_subject=filters[0] if len(filters) == 1 else None,
        filter_subjects=filters if len(filters) > 1 else None,
    )
    await js.add_consumer(EVENTS_STREAM, config)


async def replay_consumer(js: JetStreamContext, spec: ConsumerSpec) -> None:
    """Recreate ``spec``'s consumer from the start of the stream: every event again."""
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(EVENTS_STREAM, spec.durable)
    await ensure_consumer(js, spec)


async def key_value_exists(js: JetStreamContext, bucket: str) -> bool:
    try:
        await js.key_value(bucket)
    except NotFoundError:
        return False
    return True


async def ensure_key_value(
    js: JetStreamContext, bucket: str, replicas: int, ttl_s: float | None = None
) -> KeyValue:
    try:
        return await js.key_value(bucket)
    except NotFoundError:
        return await js.create_key_value(
            bucket=bucket, history=1, replicas=replicas, ttl=ttl_s, storage=api.StorageType.FILE
        )


async def ensure_object_store(js: JetStreamContext, bucket: str, replicas: int) -> ObjectStore:
    try:
        return await js.object_store(bucket)
    except NotFoundError:
        return await js.create_object_store(
            bucket=bucket, replicas=replicas, storage=api.StorageType.FILE
        )
