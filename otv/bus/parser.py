"""Turns a raw JetStream message into a typed ``Delivery``, or says why it cannot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg

from otv.bus.events import check_id
from otv.bus.subjects import EVENT_TYPES, Header, Subject, event_type_name
from otv.errors import OtvError, SystemFailure

EventT = TypeVar("EventT", bound=Message)


class MalformedEvent(SystemFailure):
    """A message that no retry can make processable."""


@dataclass(frozen=True)
class Delivery:
    """One delivery of one event to a consumer."""

    subject: Subject
    event: Message
    headers: Mapping[str, str]
    verification_id: str
    correlation_id: str
    num_delivered: int
    stream_sequence: int

    def event_as(self, event_type: type[EventT]) -> EventT:
        """The event, checked to be of ``event_type``."""
        if not isinstance(self.event, event_type):
            raise MalformedEvent(
                f"expected {event_type_name(event_type)} on {self.subject}, "
                f"got {event_type_name(type(self.event))}"
            )
        return self.event


def ids_from_headers(headers: Mapping[str, str] | None) -> tuple[str, str]:
    """The verification and correlation ids a message's headers claim, if usable."""
    headers = headers or {}
    ids = []
    for header in (Header.VERIFICATION_ID, Header.CORRELATION_ID):
        try:
            ids.append(check_id("id", headers.get(header, "")))
        except OtvError:
            ids.append("")
    return ids[0], ids[1]


@dataclass(frozen=True)
class Decoded:
    subject: Subject
    event: Message
    verification_id: str
    correlation_id: str


def decode(subject_name: str, headers: Mapping[str, str], data: bytes) -> Decoded:
    """The typed event in a message, checked against its subject and headers."""
    try:
        subject = Subject(subject_name)
    except ValueError:
        raise MalformedEvent(f"no event is defined for subject {subject_name[:120]!r}") from None
    event_type = EVENT_TYPES[subject]
    claimed = headers.get(Header.EVENT_TYPE)
    if claimed is not None and claimed != event_type_name(event_type):
        raise MalformedEvent(
            f"{subject} carries {event_type_name(event_type)}, not {claimed[:120]!r}"
        )
    event = event_type()
    try:
        event.ParseFromString(data)
    except DecodeError:
        raise MalformedEvent(f"the body on {subject} is not a valid protobuf message") from None
    meta = getattr(event, "meta", None)
    if meta is None or not meta.verification_id:
        raise MalformedEvent(f"the event on {subject} has no verification id")
    try:
        verification_id = check_id("verification id", meta.verification_id)
        correlation_id = check_id("correlation id", meta.correlation_id)
    except OtvError as exc:
        raise MalformedEvent(str(exc)) from None
    return Decoded(subject, event, verification_id, correlation_id)


def parse(msg: Msg) -> Delivery:
    headers = dict(msg.headers or {})
    decoded = decode(msg.subject, headers, msg.data)
    metadata = msg.metadata
    return Delivery(
        subject=decoded.subject,
        event=decoded.event,
        headers=headers,
        verification_id=decoded.verification_id,
        correlation_id=decoded.correlation_id,
        num_delivered=metadata.num_delivered or 1,
        stream_sequence=metadata.sequence.stream,
    )
