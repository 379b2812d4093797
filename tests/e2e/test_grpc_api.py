"""The gRPC API with a real gRPC client against a running stack: every RPC, each error
code, a Watch that ends with the verification, health, reflection, trace continuation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import GitRepo, profiles_yaml, two_target_repository

from otv.embedded import EmbeddedStack
from otv.keys import new_key, parse_key
from otv.settings import Settings
from otv.v1 import api_pb2 as api
from otv.v1 import api_pb2_grpc as api_grpc
from otv.v1 import events_pb2 as pb

Stubs = tuple[api_grpc.VerificationServiceStub, api_grpc.KeyServiceStub, grpc.aio.Channel]


@pytest.fixture
async def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def stack(
    settings: Settings, tmp_path: Path, spans: InMemorySpanExporter
) -> AsyncIterator[EmbeddedStack]:
    async with EmbeddedStack(
        settings,
        store_dir=tmp_path / "store",
        grpc_port=0,
        span_processors=(SimpleSpanProcessor(spans),),
    ) as stack:
        yield stack


@pytest.fixture
async def stubs(stack: EmbeddedStack) -> AsyncIterator[Stubs]:
    async with grpc.aio.insecure_channel(stack.grpc_address) as channel:
        yield (
            api_grpc.VerificationServiceStub(channel),
            api_grpc.KeyServiceStub(channel),
            channel,
        )


def bearer(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


def submit_request(repo: GitRepo, merge_severity: str = "warning") -> api.SubmitRequest:
    return api.SubmitRequest(
        request=pb.VerificationRequest(
            repository=str(repo.path),
            head="feature",
            targets=["main", "release/1.0"],
            profile="default",
            profiles_document=profiles_yaml(merge_severity).encode(),
            profiles_document_name="profiles.yaml",
        ),
        correlation_id="grpc-ci-1",
    )


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_a_verification_over_grpc_from_submit_to_review(
    stack: EmbeddedStack, stubs: Stubs, tmp_path: Path
) -> None:
    verifications, _, _ = stubs
    admin = bearer(stack.admin_key)
    repo = two_target_repository(tmp_path / "repo")
    submitted = await verifications.Submit(submit_request(repo, "blocking"), metadata=admin)
    vid = submitted.verification_id
    assert vid and submitted.correlation_id == "grpc-ci-1"
    updates = [
        update
        async for update in verifications.Watch(
            api.WatchRequest(verification_id=vid), metadata=admin, timeout=60
        )
    ]
    # The stream ends by itself when the verification completes.
    assert updates[-1].status.phase == "completed"
    assert updates[-1].status.verdict == "failed"
    finished = {(f.target, f.scenario, f.outcome) for u in updates for f in u.finished}
    assert ("release/1.0", "mergeable", "failed") in finished
    status = await verifications.Get(api.GetRequest(verification_id=vid), metadata=admin)
    assert status.correlation_id == "grpc-ci-1"
    assert [(t.name, t.verdict) for t in status.targets] == [
        ("main", "passed"),
        ("release/1.0", "failed"),
    ]
    listed = await verifications.List(api.ListRequest(verdict="failed"), metadata=admin)
    assert [v.verification_id for v in listed.verifications] == [vid] and listed.total == 1
    report = await verifications.GetReport(
        api.GetReportRequest(verification_id=vid), metadata=admin
    )
    assert report.media_type == "application/json"
    assert json.loads(report.content)["verdict"] == "failed"
    sarif = await verifications.GetReport(
        api.GetReportRequest(verification_id=vid, format="sarif"), metadata=admin
    )
    assert sarif.media_type == "application/sarif+json"
    assert json.loads(sarif.content)["version"] == "2.1.0"
    reviewed = await verifications.Review(
        api.ReviewRequest(verification_id=vid, waive=True, reason="hotfix"), metadata=admin
    )
    assert reviewed.waived and reviewed.verdict == "warned"
    assert reviewed.reviewed_by


async def test_each_error_has_its_grpc_status_code(
    stack: EmbeddedStack, stubs: Stubs, tmp_path: Path
) -> None:
    verifications, keys, _ = stubs
    admin = bearer(stack.admin_key)
    get = api.GetRequest(verification_id="nope")
    # No key, a malformed key, an unknown key.
    for metadata in ((), bearer("otv_not-a-key"), bearer(new_key())):
        error = await refused(verifications.Get(get, metadata=metadata))
        assert error.code() is grpc.StatusCode.UNAUTHENTICATED, metadata
    # A role too low: read may look, not run.
    reader = await keys.Create(api.CreateKeyRequest(name="dash", role="read"), metadata=admin)
    repo = two_target_repository(tmp_path / "repo")
    error = await refused(verifications.Submit(submit_request(repo), metadata=bearer(reader.key)))
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "run" in (error.details() or "")
    error = await refused(keys.List(api.ListKeysRequest(), metadata=bearer(reader.key)))
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    # Unknown, invalid, not there.
    assert (await refused(verifications.Get(get, metadata=admin))).code() is (
        grpc.StatusCode.NOT_FOUND
    )
    bad_id = api.GetRequest(verification_id="../etc")
    assert (await refused(verifications.Get(bad_id, metadata=admin))).code() is (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    pdf = api.GetReportRequest(verification_id="nope", format="pdf")
    error = await refused(verifications.GetReport(pdf, metadata=admin))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "format" in (error.details() or "")
    empty = api.SubmitRequest(request=pb.VerificationRequest())
    error = await refused(verifications.Submit(empty, metadata=admin))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "no repository" in (error.details() or "")
    bad_role = api.CreateKeyRequest(name="x", role="superuser")
    assert (await refused(keys.Create(bad_role, metadata=admin))).code() is (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    gone = api.RevokeKeyRequest(id="ZZZZZZZZ")
    assert (await refused(keys.Revoke(gone, metadata=admin))).code() is grpc.StatusCode.NOT_FOUND
    # Guessing one key's secret is throttled.
    guessed_id = parse_key(stack.admin_key).id
    codes = []
    for _ in range(12):
        guess = bearer(new_key(key_id=guessed_id))
        codes.append((await refused(verifications.Get(get, metadata=guess))).code())
    assert codes[0] is grpc.StatusCode.UNAUTHENTICATED
    assert codes[-1] is grpc.StatusCode.RESOURCE_EXHAUSTED
    # The admin key itself still works: a guesser cannot lock its owner out.
    assert await keys.List(api.ListKeysRequest(), metadata=admin)


async def test_keys_are_managed_over_grpc_and_a_revoked_key_stops_working(
    stack: EmbeddedStack, stubs: Stubs
) -> None:
    verifications, keys, _ = stubs
    admin = bearer(stack.admin_key)
    created = await keys.Create(
        api.CreateKeyRequest(name="ci", role="run", expires_in_s=3600), metadata=admin
    )
    assert created.key.startswith("otv_") and created.info.role == "run"
    assert created.info.expires_at
    listed = await keys.List(api.ListKeysRequest(), metadata=admin)
    assert created.info.id in {k.id for k in listed.keys}
    # A listing never carries a key: KeyInfo has no field that could hold one.
    assert "key" not in api.KeyInfo.DESCRIPTOR.fields_by_name
    assert created.key not in str(listed)
    listing = await verifications.List(api.ListRequest(), metadata=bearer(created.key))
    assert listing.total == 0
    rotated = await keys.Rotate(api.RotateKeyRequest(id=created.info.id), metadata=admin)
    assert rotated.key != created.key and rotated.info.role == "run"
    revoked = await keys.Revoke(api.RevokeKeyRequest(id=rotated.info.id), metadata=admin)
    assert revoked.state == "revoked" and revoked.revoked_at
    error = await refused(verifications.List(api.ListRequest(), metadata=bearer(rotated.key)))
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_health_reports_serving_and_reflection_lists_the_services(stubs: Stubs) -> None:
    _, _, channel = stubs
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "otv.v1.VerificationService", "otv.v1.KeyService"):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, service
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def ask() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    async for answer in reflection.ServerReflectionInfo(ask()):
        names = {s.name for s in answer.list_services_response.service}
        assert {"otv.v1.VerificationService", "otv.v1.KeyService", "grpc.health.v1.Health"} <= (
            names
        )


async def test_the_callers_trace_continues_through_grpc_into_the_services(
    stack: EmbeddedStack, stubs: Stubs, spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    verifications, _, _ = stubs
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    metadata = (*bearer(stack.admin_key), ("traceparent", f"00-{trace_id}-00f067aa0ba902b7-01"))
    repo = two_target_repository(tmp_path / "repo")
    submitted = await verifications.Submit(submit_request(repo), metadata=metadata)
    async for _ in verifications.Watch(
        api.WatchRequest(verification_id=submitted.verification_id),
        metadata=bearer(stack.admin_key),
        timeout=60,
    ):
        pass
    ours = [
        s
        for s in spans.get_finished_spans()
        if s.attributes.get("otv.verification_id") == submitted.verification_id
    ]
    services = {s.resource.attributes["service.name"] for s in ours}
    assert services >= {"otv-auth", "otv-collector", "otv-runner", "otv-reporter"}
    assert {format(s.context.trace_id, "032x") for s in ours} == {trace_id}
