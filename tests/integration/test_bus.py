"""The bus against a real nats-server: headers, de-duplication, and the consume loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import nats
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import stored_events

from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.events import meta
from otv.bus.subjects import TERMINAL_SUBJECTS, Subject
from otv.errors import ProfileError, SystemFailure
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    bus = await Bus.connect(nats_url, Telemetry.for_service("test"))
    await bus.ensure_event_stream(replicas=1, max_age_s=3600)
    try:
        yield bus
    finally:
        await bus.close()


def authorized(vid: str, kind: str = "authorized") -> pb.VerificationAuthorized:
    return pb.VerificationAuthorized(
        meta=meta(f"{vid}.{kind}", vid, f"corr-{vid}", "test"),
        request=pb.VerificationRequest(repository="/r", targets=["main"]),
    )


async def test_publishing_sets_the_headers_and_leaves_the_callers_dict_alone(
    bus: Bus, nats_url: str
) -> None:
    spans = InMemorySpanExporter()
    traced = await Bus.connect(
        nats_url, Telemetry.for_service("test", (SimpleSpanProcessor(spans),))
    )
    extra = {"Authorization": "Bearer otv_x"}
    try:
        await traced.producer.publish(authorized("v1"), extra_headers=extra)
    finally:
        await traced.close()
    assert extra == {"Authorization": "Bearer otv_x"}
    [(subject, headers, body)] = await stored_events(nats_url)
    assert subject == Subject.VERIFICATION_AUTHORIZED
    assert headers["Nats-Msg-Id"] == "v1.authorized"
    assert headers["Otv-Verification-Id"] == "v1"
    assert headers["Otv-Correlation-Id"] == "corr-v1"
    assert headers["Otv-Event-Type"] == "otv.v1.VerificationAuthorized"
    [span] = spans.get_finished_spans()
    trace_id = format(span.context.trace_id, "032x")
    assert headers["traceparent"].split("-")[1] == trace_id
    assert span.attributes["messaging.destination.name"] == Subject.VERIFICATION_AUTHORIZED
    assert span.attributes["messaging.message.id"] == "v1.authorized"
    assert pb.VerificationAuthorized.FromString(body).meta.verification_id == "v1"


async def test_an_event_published_twice_is_stored_once(bus: Bus, nats_url: str) -> None:
    first = await bus.producer.publish(authorized("v1"))
    second = await bus.producer.publish(authorized("v1"))
    assert (first.duplicate, second.duplicate) == (False, True)
    assert len(await stored_events(nats_url)) == 1


async def test_publishing_without_a_stream_is_a_clear_failure(nats_url: str) -> None:
    bus = await Bus.connect(nats_url, Telemetry.for_service("test"))
    try:
        with pytest.raises(SystemFailure, match="no event stream answers"):
            await bus.producer.publish(authorized("v1"))
    finally:
        await bus.close()


Handler = Callable[[Delivery], Awaitable[None]]


async def consume(
    bus: Bus,
    handler: Handler,
    until: Callable[[], bool],
    ack_wait_s: float = 30,
    max_deliver: int = 3,
) -> None:
    spec = ConsumerSpec(
        durable="test",
        filter_subjects=(Subject.VERIFICATION_AUTHORIZED,),
        description="test",
        ack_wait_s=ack_wait_s,
        max_deliver=max_deliver,
    )
    await bus.ensure_consumer(spec)
    stop = asyncio.Event()
    task = asyncio.create_task(bus.consumer(spec, handler, concurrency=2).run(stop))
    for _ in range(400):
        if until():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let a wrong extra delivery show up, if there is one
    stop.set()
    await task


async def errored_events(url: str) -> list[pb.VerificationErrored]:
    return [
        pb.VerificationErrored.FromString(body)
        for _, _, body in await stored_events(url, Subject.VERIFICATION_ERRORED)
    ]


async def test_a_handled_event_is_acknowledged_once(bus: Bus, nats_url: str) -> None:
    seen: list[str] = []

    async def handler(delivery: Delivery) -> None:
        seen.append(delivery.verification_id)

    await bus.producer.publish(authorized("v1"))
    await bus.producer.publish(authorized("v2"))
    await consume(bus, handler, lambda: len(seen) >= 2)
    assert sorted(seen) == ["v1", "v2"]
    assert await errored_events(nats_url) == []


async def test_a_configuration_error_ends_the_verification_at_once(bus: Bus, nats_url: str) -> None:
    calls: list[int] = []

    async def handler(delivery: Delivery) -> None:
        calls.append(delivery.num_delivered)
        raise ProfileError("profiles.yaml:3: unknown scenario type 'x'")

    await bus.producer.publish(authorized("v1"))
    await consume(bus, handler, lambda: bool(calls))
    assert calls == [1]  # terminated: no redelivery
    [errored] = await errored_events(nats_url)
    assert errored.kind == pb.ERROR_KIND_CONFIGURATION
    assert errored.reason == "profiles.yaml:3: unknown scenario type 'x'"
    assert errored.meta.correlation_id == "corr-v1"


async def test_a_transient_failure_is_retried(bus: Bus, nats_url: str) -> None:
    calls: list[int] = []

    async def handler(delivery: Delivery) -> None:
        calls.append(delivery.num_delivered)
        if delivery.num_delivered == 1:
            raise SystemFailure("git fetch timed out")

    await bus.producer.publish(authorized("v1"))
    await consume(bus, handler, lambda: len(calls) >= 2)
    assert calls == [1, 2]
    assert await errored_events(nats_url) == []


async def test_a_message_that_keeps_failing_ends_as_errored(bus: Bus, nats_url: str) -> None:
    calls: list[int] = []

    async def handler(delivery: Delivery) -> None:
        calls.append(delivery.num_delivered)
        raise KeyError("internal detail with a token ghp_0123456789abcdefghijklmnopqrstuvwxyz")

    await bus.producer.publish(authorized("v1"))
    await consume(bus, handler, lambda: len(calls) >= 2, max_deliver=2)
    assert calls == [1, 2]
    [errored] = await errored_events(nats_url)
    assert errored.kind == pb.ERROR_KIND_INFRASTRUCTURE
    assert errored.reason == (
        "internal error in test (KeyError); see its log (gave up after 2 attempts)"
    )


async def test_a_malformed_event_ends_its_verification_and_the_consumer_goes_on(
    bus: Bus, nats_url: str
) -> None:
    import nats

    seen: list[str] = []

    async def handler(delivery: Delivery) -> None:
        seen.append(delivery.verification_id)

    nc = await nats.connect(nats_url)
    await nc.jetstream().publish(
        Subject.VERIFICATION_AUTHORIZED,
        b"\xff\xff not protobuf",
        headers={"Otv-Verification-Id": "bad1", "Otv-Correlation-Id": "c-bad1"},
    )
    await nc.close()
    await bus.producer.publish(authorized("v2"))
    await consume(bus, handler, lambda: bool(seen))
    assert seen == ["v2"]
    [errored] = await errored_events(nats_url)
    assert errored.meta.verification_id == "bad1"
    assert errored.reason == (
        "the body on otv.v1.evt.verification.authorized is not a valid protobuf message"
    )


async def test_a_long_handler_keeps_its_message_with_in_progress(bus: Bus, nats_url: str) -> None:
    calls: list[int] = []

    async def handler(delivery: Delivery) -> None:
        calls.append(delivery.num_delivered)
        await asyncio.sleep(4)  # twice the ack wait

    await bus.producer.publish(authorized("v1"))
    done = asyncio.get_running_loop().time() + 5
    await consume(bus, handler, lambda: asyncio.get_running_loop().time() > done, ack_wait_s=2)
    assert calls == [1]


async def test_a_watch_on_the_terminal_subjects_never_sees_a_request(bus: Bus) -> None:
    watch = await bus.watch(TERMINAL_SUBJECTS)
    try:
        requested = pb.VerificationRequested(meta=meta("v1.requested", "v1", "c1", "test"))
        await bus.producer.publish(requested, extra_headers={"Authorization": "Bearer otv_x"})
        errored = pb.VerificationErrored(meta=meta("v1.errored", "v1", "c1", "test"), reason="r")
        await bus.producer.publish(errored)
        seen = await watch.next(timeout_s=5)
        assert seen is not None
        assert seen.subject is Subject.VERIFICATION_ERRORED
        assert await watch.next(timeout_s=0.3) is None
    finally:
        await watch.close()


async def test_stopped_follows_leave_no_consumers_behind(bus: Bus, nats_url: str) -> None:
    """Every follow is an ephemeral consumer; a busy reporter makes thousands an hour."""
    records = await bus.records("follows", 1)
    await records.put("k", b"v")
    for _ in range(30):
        async for record in records.follow("k"):
            assert record is not None
            break
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        assert (await js.stream_info("KV_follows")).state.consumer_count >= 30
        deadline = asyncio.get_running_loop().time() + 20
        while (await js.stream_info("KV_follows")).state.consumer_count:
            assert asyncio.get_running_loop().time() < deadline, "stopped watches pile up"
            await asyncio.sleep(0.5)
    finally:
        await nc.close()
