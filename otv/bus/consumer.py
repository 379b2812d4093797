"""The consume loop of a durable pull consumer.

A handler is a plain async function of a ``Delivery``. What it raises decides
what happens to the message:

- nothing: ``ack``;
- ``UsageError`` (the request or its configuration is wrong) or
  ``MalformedEvent``: no retry can help, so the verification ends as
  ``errored`` with the reason, and the message is ``term``-inated;
- anything else: ``nak`` with a growing delay, until the last delivery the
  consumer allows, which ends the verification as ``errored`` instead.

While a handler runs, the message's lease is renewed with ``in_progress``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind, StatusCode

from otv.bus.events import meta
from otv.bus.parser import Delivery, MalformedEvent, ids_from_headers, parse
from otv.bus.producer import EventProducer
from otv.bus.subjects import EVENTS_STREAM, event_id, event_type_name
from otv.bus.topology import ConsumerSpec
from otv.errors import OtvError, UsageError
from otv.logs import bound_verification
from otv.telemetry import Telemetry, continued_span
from otv.v1 import events_pb2 as pb

log = logging.getLogger(__name__)

Handler = Callable[[Delivery], Awaitable[None]]

_MAX_NAK_DELAY_S = 30.0


def nak_delay(num_delivered: int) -> float:
    """Back off exponentially between redeliveries: 1 s, 2 s, 4 s ... at most 30 s."""
    return float(min(_MAX_NAK_DELAY_S, 2 ** max(0, num_delivered - 1)))


class EventConsumer:
    """Runs ``handler`` on the messages of one durable consumer, ``concurrency`` at a time."""

    def __init__(
        self,
        js: JetStreamContext,
        producer: EventProducer,
        telemetry: Telemetry,
        spec: ConsumerSpec,
        handler: Handler,
        concurrency: int = 1,
    ) -> None:
        self._js = js
        self._producer = producer
        self._telemetry = telemetry
        self._spec = spec
        self._handler = handler
        self._concurrency = concurrency
        self._in_flight: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event, grace_s: float = 10.0) -> None:
        """Consume until ``stop`` is set, then let handlers in flight finish."""
        subscription = await self._js.pull_subscribe_bind(
            durable=self._spec.durable, stream=EVENTS_STREAM
        )
        self.ready.set()
        try:
            while not stop.is_set():
                free = self._concurrency - len(self._in_flight)
                if free <= 0:
                    await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    # One at a time: a larger batch holds the first message back
                    # until the batch fills or the fetch times out.
                    messages = await subscription.fetch(batch=1, timeout=1.0)
                except (NatsTimeoutError, TimeoutError):
                    continue  # nothing to do within the fetch's time
                except (ConnectionClosedError, NatsError, OSError) as exc:
                    if not stop.is_set():
                        log.warning(
                            "fetching from %s failed (%s: %s); retrying",
                            self._spec.durable,
                            type(exc).__name__,
                            exc,
                        )
                        await asyncio.sleep(0.5)
                    continue
                for message in messages:
                    task = asyncio.create_task(self._process(message))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
        finally:
            await self._finish_in_flight(grace_s)
            with contextlib.suppress(NatsError, OSError):
                await subscription.unsubscribe()

    async def _finish_in_flight(self, grace_s: float) -> None:
        if not self._in_flight:
            return
        _, pending = await asyncio.wait(self._in_flight, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            # Their messages are not acknowledged, so another replica gets them.
            await asyncio.wait(pending)

    def _count(self, event_type: str, outcome: str) -> None:
        self._telemetry.metrics.events_consumed.labels(
            self._telemetry.service, self._spec.durable, event_type, outcome
        ).inc()

    async def _process(self, msg: Msg) -> None:
        started = time.perf_counter()
        try:
            delivery = parse(msg)
        except MalformedEvent as exc:
            # Not labelled by its subject: a forged one would make a label of its own.
            self._count("unknown", "malformed")
            verification_id, correlation_id = ids_from_headers(msg.headers)
            with bound_verification(verification_id, correlation_id):
                log.error("%s: %s", self._spec.durable, exc.message)
                await _settle(
                    self._give_up(msg, verification_id, correlation_id, exc.message, False)
                )
            return
        event_type = event_type_name(type(delivery.event))
        metrics = self._telemetry.metrics
        labels = (self._telemetry.service, self._spec.durable, event_type)
        if delivery.num_delivered > 1:
            metrics.events_redelivered.labels(*labels).inc()
        attributes: dict[str, str | int] = {
            "messaging.system": "nats",
            "messaging.operation.type": "process",
            "messaging.destination.name": str(delivery.subject),
            "messaging.message.id": delivery.headers.get("Nats-Msg-Id", ""),
            "messaging.consumer.group.name": self._spec.durable,
            "otv.verification_id": delivery.verification_id,
        }
        with (
            bound_verification(delivery.verification_id, delivery.correlation_id),
            continued_span(
                self._telemetry.tracer,
                f"process {delivery.subject}",
                delivery.headers,
                SpanKind.CONSUMER,
                attributes,
            ) as span,
        ):
            keep_alive = asyncio.create_task(self._keep_alive(msg))
            try:
                await self._handler(delivery)
            except asyncio.CancelledError:
                with contextlib.suppress(NatsError, OSError):
                    await msg.nak()
                raise
            except Exception as exc:
                span.set_status(StatusCode.ERROR, type(exc).__name__)
                self._count(event_type, await self._handle_failure(msg, delivery, exc))
            else:
                await _settle(msg.ack())
                self._count(event_type, "acked")
            finally:
                keep_alive.cancel()
                metrics.event_duration.labels(*labels).observe(time.perf_counter() - started)

    async def _handle_failure(self, msg: Msg, delivery: Delivery, exc: Exception) -> str:
        """Settle a message whose handler failed; say how: ``gave_up`` or ``retried``."""
        permanent = isinstance(exc, UsageError | MalformedEvent)
        last = delivery.num_delivered >= self._spec.max_deliver
        if isinstance(exc, OtvError):
            reason = exc.message
        else:
            log.error("%s failed on %s", self._spec.durable, delivery.subject, exc_info=exc)
            reason = (
                f"internal error in {self._telemetry.service} ({type(exc).__name__}); see its log"
            )
        if permanent or last:
            if not permanent:
                reason = f"{reason} (gave up after {delivery.num_delivered} attempts)"
            # The user's own mistake is theirs to read in the result, not an operator's alarm.
            level = logging.INFO if isinstance(exc, UsageError) else logging.WARNING
            log.log(level, "%s gives up on %s: %s", self._spec.durable, delivery.subject, reason)
            await _settle(
                self._give_up(
                    msg,
                    delivery.verification_id,
                    delivery.correlation_id,
                    reason,
                    isinstance(exc, UsageError),
                )
            )
            return "gave_up"
        delay = nak_delay(delivery.num_delivered)
        log.warning(
            "%s on %s failed (%s); redelivery in %.0f s",
            self._spec.durable,
            delivery.subject,
            reason,
            delay,
        )
        await _settle(msg.nak(delay=delay))
        return "retried"

    async def _give_up(
        self,
        msg: Msg,
        verification_id: str,
        correlation_id: str,
        reason: str,
        configuration: bool,
    ) -> None:
        """End the verification as errored, then drop the message for good."""
        if verification_id:
            errored = pb.VerificationErrored(
                meta=meta(
                    event_id(verification_id, "errored"),
                    verification_id,
                    correlation_id or verification_id,
                    self._telemetry.service,
                ),
                kind=pb.ERROR_KIND_CONFIGURATION if configuration else pb.ERROR_KIND_INFRASTRUCTURE,
                stage=self._telemetry.service,
                reason=reason,
            )
            try:
                await self._producer.publish(errored)
            except OtvError as exc:
                # Without the errored event the verification would hang: keep the message.
                log.error("cannot publish errored event (%s); message kept for redelivery", exc)
                await msg.nak(delay=nak_delay(2))
                return
        await msg.term()

    async def _keep_alive(self, msg: Msg) -> None:
        interval = max(1.0, self._spec.ack_wait_s / 3)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(NatsError, OSError):
                await msg.in_progress()


async def _settle(acknowledgement: Awaitable[None]) -> None:
    """Send an ack, nak or term; if the connection is gone the message is redelivered anyway."""
    try:
        await acknowledgement
    except (NatsError, OSError) as exc:
        log.warning("could not acknowledge a message (%s); it will be redelivered", exc)
