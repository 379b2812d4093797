"""Publishes events: the only module that calls ``js.publish``.

Each event gets its deterministic ``Nats-Msg-Id``, its ids as headers and the
trace context, inside a PRODUCER span. A caller's header dict is never
modified: nats-py adds to the dict it is given, so it only ever sees a copy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from google.protobuf.message import Message
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext, api
from nats.js.errors import APIError, NoStreamResponseError
from opentelemetry.trace import SpanKind

from otv.bus.subjects import EVENTS_STREAM, SUBJECT_OF, Header, event_type_name
from otv.errors import SystemFailure
from otv.telemetry import Telemetry, with_trace_context

log = logging.getLogger(__name__)

_ATTEMPTS = 5


@dataclass(frozen=True)
class Published:
    sequence: int
    duplicate: bool


class EventProducer:
    def __init__(self, js: JetStreamContext, telemetry: Telemetry) -> None:
        self._js = js
        self._telemetry = telemetry

    async def publish(
        self, event: Message, extra_headers: Mapping[str, str] | None = None
    ) -> Published:
        """Publish ``event`` on its subject and wait for the stream to store it."""
        subject = SUBJECT_OF[type(event)]
        meta = event.meta  # type: ignore[attr-defined]  # every event type has one
        headers = {
            **(extra_headers or {}),
            Header.MSG_ID: meta.event_id,
            Header.VERIFICATION_ID: meta.verification_id,
            Header.CORRELATION_ID: meta.correlation_id,
            Header.EVENT_TYPE: event_type_name(type(event)),
        }
        attributes: dict[str, str | int] = {
            "messaging.system": "nats",
            "messaging.operation.type": "send",
            "messaging.destination.name": str(subject),
            "messaging.message.id": meta.event_id,
            "otv.verification_id": meta.verification_id,
        }
        tracer = self._telemetry.tracer
        published = self._telemetry.metrics.events_published
        labels = (self._telemetry.service, headers[Header.EVENT_TYPE])
        with tracer.start_as_current_span(
            f"send {subject}", kind=SpanKind.PRODUCER, attributes=attributes
        ):
            payload = event.SerializeToString()
            try:
                ack = await self._publish_with_retry(
                    str(subject), payload, with_trace_context(headers)
                )
            except SystemFailure:
                published.labels(*labels, "failed").inc()
                raise
        published.labels(*labels, "duplicate" if ack.duplicate else "stored").inc()
        return Published(sequence=ack.seq, duplicate=bool(ack.duplicate))

    async def _publish_with_retry(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> api.PubAck:
        # A publish with the same Nats-Msg-Id is idempotent, so retrying after a
        # lost acknowledgement cannot store the event twice.
        delay = 0.2
        attempt = 1
        while True:
            try:
                return await self._js.publish(
                    subject, payload, timeout=5, stream=EVENTS_STREAM, headers=dict(headers)
                )
            except (NoStreamResponseError, NoRespondersError):
                raise SystemFailure(
                    f"no event stream answers on {subject}: is otv running and set up?"
                ) from None
            except APIError as exc:
                raise SystemFailure(
                    f"the event stream refused {subject}: {exc.description}"
                ) from None
            except (NatsTimeoutError, ConnectionClosedError, TimeoutError) as exc:
                if attempt == _ATTEMPTS:
                    raise SystemFailure(
                        f"could not publish {subject}: NATS did not answer {_ATTEMPTS} times"
                    ) from exc
                log.warning("publish on %s timed out (attempt %d), retrying", subject, attempt)
                await asyncio.sleep(delay)
                delay *= 2
                attempt += 1
