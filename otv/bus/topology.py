"""Creates the event stream, durable consumers and buckets, idempotently.

Every service calls these at start with the objects it needs; whoever comes
first creates them, the others find them. A changed configuration is applied
with an update rather than failing the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from otv.bus.subjects import EVENTS_STREAM, EVENTS_WILDCARD

log = logging.getLogger(__name__)
T = TypeVar("T")

# A re-published event with the same Nats-Msg-Id inside this window is dropped.
DUPLICATE_WINDOW_S = 15 * 60


_SETUP_ATTEMPTS = 6


async def retry_setup(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """``call`` again while JetStream does not answer: a cluster that is still electing
    its leaders, or a reply lost between nodes. Every call here is idempotent."""
    for attempt in range(1, _SETUP_ATTEMPTS + 1):
        try:
            return await call()
        except (NatsTimeoutError, ServiceUnavailableError) as exc:
            if attempt == _SETUP_ATTEMPTS:
                raise
            log.warning("%s: JetStream did not answer (%s); trying again", what, type(exc).__name__)
            await asyncio.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


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
    await ensure_stream(js, config)


async def ensure_stream(js: JetStreamContext, config: api.StreamConfig) -> None:
    """Create the stream, or bring an existing one to ``config``."""

    async def ensure() -> None:
        try:
            await js.add_stream(config)
        except BadRequestError:
            # It exists with another configuration (an upgrade, or new settings).
            await js.update_stream(config)

    await retry_setup(f"stream {config.name}", ensure)


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
    await retry_setup(f"consumer {spec.durable}", lambda: js.add_consumer(EVENTS_STREAM, config))


async def replay_consumer(js: JetStreamContext, spec: ConsumerSpec) -> None:
    """Recreate ``spec``'s consumer from the start of the stream: every event again.

    An empty stream has nothing to replay: then the consumer is only ensured, so
    replicas starting together on a new cluster do not delete each other's."""

    async def delete() -> None:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(EVENTS_STREAM, spec.durable)

    info = await retry_setup(f"stream {EVENTS_STREAM}", lambda: js.stream_info(EVENTS_STREAM))
    if info.state.messages > 0:
        await retry_setup(f"consumer {spec.durable}", delete)
    await ensure_consumer(js, spec)


async def key_value_exists(js: JetStreamContext, bucket: str) -> bool:
    async def exists() -> bool:
        try:
            await js.key_value(bucket)
        except NotFoundError:
            return False
        return True

    return await retry_setup(f"bucket {bucket}", exists)


async def ensure_key_value(
    js: JetStreamContext, bucket: str, replicas: int, ttl_s: float | None = None
) -> KeyValue:
    async def ensure() -> KeyValue:
        try:
            return await js.key_value(bucket)
        except NotFoundError:
            return await js.create_key_value(
                bucket=bucket,
                history=1,
                replicas=replicas,
                ttl=ttl_s,
                storage=api.StorageType.FILE,
            )

    return await retry_setup(f"bucket {bucket}", ensure)


async def ensure_object_store(js: JetStreamContext, bucket: str, replicas: int) -> ObjectStore:
    async def ensure() -> ObjectStore:
        try:
            return await js.object_store(bucket)
        except NotFoundError:
            return await js.create_object_store(
                bucket=bucket, replicas=replicas, storage=api.StorageType.FILE
            )

    return await retry_setup(f"bucket {bucket}", ensure)
