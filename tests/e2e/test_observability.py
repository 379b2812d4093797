"""Observability end to end: one trace per verification with the right parent links,
metrics and health on each service's port, every log line tagged, a live view of all."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families
from support import GitRepo, profiles_yaml, two_target_repository

from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.queries import Phase, WatchUpdate
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

SERVICES = ("auth", "collector", "runner", "reporter")


def request(repo: GitRepo, targets: list[str]) -> pb.VerificationRequest:
    return pb.VerificationRequest(
        repository=str(repo.path),
        head="feature",
        targets=targets,
        profile="default",
        profiles_document=profiles_yaml().encode(),
        profiles_document_name="profiles.yaml",
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics page, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples(text).items() if n == name and wanted <= found)


@pytest.fixture
async def observed(
    settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[EmbeddedStack, InMemorySpanExporter]]:
    spans = InMemorySpanExporter()
    async with EmbeddedStack(
        settings,
        store_dir=tmp_path / "store",
        health_port=0,
        span_processors=(SimpleSpanProcessor(spans),),
    ) as stack:
        yield stack, spans


async def test_one_verification_is_one_trace_rooted_at_the_client_with_linked_spans(
    observed: tuple[EmbeddedStack, InMemorySpanExporter], tmp_path: Path
) -> None:
    stack, exporter = observed
    repo = two_target_repository(tmp_path / "repo")
    telemetry = Telemetry.for_service("cli", (SimpleSpanProcessor(exporter),))
    bus = await Bus.connect(stack.url, telemetry)
    try:
        done = await VerificationClient(bus, stack.admin_key).verify(
            request(repo, ["main", "release/1.0"]), "trace1", "ci-run-7", 60
        )
    finally:
        await bus.close()
    assert done.phase is Phase.COMPLETED
    spans: tuple[ReadableSpan, ...] = exporter.get_finished_spans()
    roots = [s for s in spans if s.name == "otv verify"]
    assert len(roots) == 1
    root = roots[0]
    assert root.parent is None and root.kind is SpanKind.CLIENT
    assert root.resource.attributes["service.name"] == "otv-cli"
    trace_id = root.context.trace_id
    # Every span of this verification belongs to the client's trace, from all services.
    ours = [s for s in spans if s.attributes.get("otv.verification_id") == "trace1"]
    assert all(s.context.trace_id == trace_id for s in ours)
    services = {s.resource.attributes["service.name"] for s in ours}
    assert services >= {f"otv-{name}" for name in ("cli", *SERVICES)}
    by_id = {s.context.span_id: s for s in ours}
    producers = [s for s in ours if s.kind is SpanKind.PRODUCER]
    consumers = [s for s in ours if s.kind is SpanKind.CONSUMER]
    assert len(consumers) >= 8 and len(producers) >= 8
    for consumer in consumers:
        # A consumer span's parent is the producer span of the very message it handles.
        assert consumer.parent is not None
        parent = by_id[consumer.parent.span_id]
        assert parent.kind is SpanKind.PRODUCER
        assert (
            parent.attributes["messaging.message.id"]
            == (consumer.attributes["messaging.message.id"])
        )
        assert consumer.attributes["messaging.operation.type"] == "process"
        assert consumer.attributes["messaging.system"] == "nats"
        assert (
            consumer.attributes["messaging.destination.name"]
            == (parent.attributes["messaging.destination.name"])
        )
    for producer in producers:
        # The request comes from inside the client's span; every other event is sent
        # while its service handles the event that caused it.
        assert producer.parent is not None
        parent = by_id[producer.parent.span_id]
        assert parent is root or parent.kind is SpanKind.CONSUMER
        assert producer.attributes["messaging.operation.type"] == "send"
    requested = [p for p in producers if p.parent is not None and by_id[p.parent.span_id] is root]
    assert [p.attributes["messaging.destination.name"] for p in requested] == [
        "otv.v1.evt.verification.requested"
    ]


async def test_every_service_serves_metrics_and_health_on_its_own_port(
    observed: tuple[EmbeddedStack, InMemorySpanExporter], tmp_path: Path
) -> None:
    stack, _ = observed
    assert set(stack.health_urls) == set(SERVICES)
    assert len({url for url in stack.health_urls.values()}) == 4
    repo = two_target_repository(tmp_path / "repo")
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        client = VerificationClient(bus, stack.admin_key)
        done = await client.verify(request(repo, ["main"]), "metrics1", "c1", 60)
        await client.status("metrics1")
    finally:
        await bus.close()
    assert done.verdict is not None
    pages = {}
    for name, url in stack.health_urls.items():
        pages[name] = (await asyncio.to_thread(get, url + "/metrics"))[1]
        assert await asyncio.to_thread(get, url + "/livez") == (200, "ok\n")
        assert await asyncio.to_thread(get, url + "/readyz") == (200, "ok\n")
        code, body = await asyncio.to_thread(get, url + "/healthz")
        assert code == 200 and json.loads(body) == {
            "service": name,
            "live": True,
            "ready": True,
            "failing": {},
        }
        assert value(pages[name], "otv_build_info", service=name) == 1
        assert value(pages[name], "otv_nats_connected", service=name) == 1
    reporter, runner, auth = pages["reporter"], pages["runner"], pages["auth"]
    verdict = done.verdict.value
    assert value(reporter, "otv_verifications_total", profile="default", verdict=verdict) == 1
    assert value(reporter, "otv_verification_duration_seconds_count", profile="default") == 1
    # The status SLO is read off one bucket: it must exist.
    assert ("otv_api_request_duration_seconds_bucket") in {n for n, _ in samples(reporter)}
    assert value(reporter, "otv_api_requests_total", endpoint="status", code="200") == 1
    assert value(reporter, "otv_api_request_duration_seconds_bucket", endpoint="status", le="0.5")
    assert value(runner, "otv_scenario_runs_total", type="merge") == 1
    assert value(runner, "otv_scenario_runs_total", type="command", outcome="passed") == 1
    assert value(runner, "otv_cache_requests_total", cache="scenario", result="miss") >= 1
    assert value(auth, "otv_auth_decisions_total", outcome="allowed") >= 1
    assert value(auth, "otv_events_consumed_total", consumer="auth-requests", outcome="acked") == 1
    assert value(pages["collector"], "otv_cache_requests_total", cache="context") == 1
    # Pending gauges are read at scrape time: the work is done, nothing waits.
    assert (
        "otv_consumer_pending_messages",
        frozenset({("service", "runner"), ("consumer", "runner-jobs")}),
    ) in samples(runner)
    assert value(runner, "otv_consumer_pending_messages") == 0
    published = value(runner, "otv_events_published_total", outcome="stored")
    assert published >= 3  # a job, a scenario result each, the target's end


@pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool (Debian's prometheus package, installed by .ci/run) is not on PATH",
)
async def test_promtool_accepts_every_services_metrics(
    observed: tuple[EmbeddedStack, InMemorySpanExporter], tmp_path: Path
) -> None:
    stack, _ = observed
    repo = two_target_repository(tmp_path / "repo")
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        await VerificationClient(bus, stack.admin_key).verify(
            request(repo, ["main"]), "lint1", "c1", 60
        )
    finally:
        await bus.close()
    for name, url in stack.health_urls.items():
        _, page = await asyncio.to_thread(get, url + "/metrics")
        checked = await asyncio.to_thread(
            subprocess.run,
            ["promtool", "check", "metrics"],
            input=page,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, f"{name}: {checked.stdout}{checked.stderr}"


async def test_readiness_fails_with_the_reason_while_nats_is_gone_and_liveness_does_not(
    observed: tuple[EmbeddedStack, InMemorySpanExporter],
) -> None:
    stack, _ = observed
    url = stack.health_urls["runner"]
    assert stack.server is not None
    await stack.server.stop()
    code, body = 200, ""
    for _ in range(100):
        code, body = await asyncio.to_thread(get, url + "/readyz")
        if code == 503:
            break
        await asyncio.sleep(0.1)
    assert code == 503 and "nats: disconnected" in body
    assert await asyncio.to_thread(get, url + "/livez") == (200, "ok\n")
    _, page = await asyncio.to_thread(get, url + "/metrics")
    assert value(page, "otv_nats_connected", service="runner") == 0


async def test_watch_with_no_id_streams_every_verification_as_it_happens(
    observed: tuple[EmbeddedStack, InMemorySpanExporter], tmp_path: Path
) -> None:
    stack, _ = observed
    repo = two_target_repository(tmp_path / "repo")
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    seen: list[WatchUpdate] = []
    try:
        client = VerificationClient(bus, stack.admin_key)

        async def watch() -> None:
            async for update in client.watch_all(timeout_s=60):
                seen.append(update)
                ended = {u.status.verification_id for u in seen if u.status.phase.terminal}
                if ended >= {"live1", "live2"}:
                    return

        watching = asyncio.create_task(watch())
        await asyncio.sleep(0.5)  # the watch is set up before anything happens
        await asyncio.gather(
            client.verify(request(repo, ["main"]), "live1", "c1", 60),
            client.verify(request(repo, ["main", "release/1.0"]), "live2", "c2", 60),
        )
        await asyncio.wait_for(watching, 30)
    finally:
        await bus.close()
    for vid in ("live1", "live2"):
        phases = [u.status.phase for u in seen if u.status.verification_id == vid]
        # Seen from its start to its end, in order.
        assert phases[0] in (Phase.REQUESTED, Phase.AUTHORIZED)
        assert phases[-1] is Phase.COMPLETED
        assert Phase.RUNNING in phases
    results = {(u.status.verification_id, f.target, f.scenario) for u in seen for f in u.finished}
    assert ("live2", "release/1.0", "mergeable") in results
    assert ("live1", "main", "check") in results


def test_every_log_line_of_a_verification_carries_its_correlation_id(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml())
    env = {
        **os.environ,
        "OTV_LOG_FORMAT": "json",
        "OTV_LOG_LEVEL": "DEBUG",
        "OTV_CACHE_DIR": str(tmp_path / "cache"),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "otv", "verify", str(repo.path), "--head", "feature",
         "--target", "main", "--target", "release/1.0", "--profiles", str(profiles),
         "--correlation-id", "ci-42", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert finished.returncode in (0, 1), finished.stderr
    vid = json.loads(finished.stdout)["verification_id"]
    lines = [json.loads(line) for line in finished.stderr.splitlines() if line.startswith("{")]
    about = [line for line in lines if line.get("verification_id") == vid or vid in line["message"]]
    services = {line["service"] for line in about}
    assert services >= set(SERVICES), services
    untagged = [line for line in about if line.get("correlation_id") != "ci-42"]
    assert not untagged
    # Lines logged while handling the verification also name the trace they belong to.
    assert all(len(line.get("trace_id", "")) == 32 for line in about if line["service"] != "otv")
