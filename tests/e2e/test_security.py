"""Security, end to end: the role-by-operation matrix over gRPC, every NATS user held to
its own subjects, and canaries (a git token, an environment secret) found nowhere."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
import nats
import pytest
from nats.aio.msg import Msg
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import everything_stored, two_target_repository

from otv import logs, nats_accounts
from otv.bus.subjects import ApiSubject, Subject
from otv.embedded import EmbeddedStack
from otv.embedded.nats_server import NatsServer
from otv.permissions import Permission, Role, allows
from otv.settings import Settings
from otv.v1 import api_pb2 as api
from otv.v1 import api_pb2_grpc as api_grpc
from otv.v1 import events_pb2 as pb

GIT_TOKEN = "ghp_CANARYgitTOKEN0123456789abcdefABCDEF"
ENV_SECRET = "CANARY-env-secret-9f8e7d6c5b4a"


def bearer(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


async def test_every_role_against_every_grpc_call(settings: Settings, tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = (
        b"version: 1\nprofiles:\n  default:\n    scenarios:\n"
        b"      - {id: mergeable, type: merge, severity: warning}\n"
    )
    async with (
        EmbeddedStack(settings, store_dir=tmp_path / "store", grpc_port=0) as stack,
        grpc.aio.insecure_channel(stack.grpc_address) as channel,
    ):
        verifications = api_grpc.VerificationServiceStub(channel)
        keys = api_grpc.KeyServiceStub(channel)
        admin = bearer(stack.admin_key)
        role_keys = {
            role: (
                await keys.Create(
                    api.CreateKeyRequest(name=role.name, role=role.name.lower()), metadata=admin
                )
            ).key
            for role in Role
        }
        spare = [
            (
                await keys.Create(api.CreateKeyRequest(name="spare", role="read"), metadata=admin)
            ).info.id
            for _ in Role
        ]
        request = pb.VerificationRequest(
            repository=str(repo.path), head="feature", targets=["main"], profile="default",
            profiles_document=profiles, profiles_document_name="p.yaml",
        )  # fmt: skip
        submitted = await verifications.Submit(api.SubmitRequest(request=request), metadata=admin)
        verification_id = submitted.verification_id
        async for _ in verifications.Watch(
            api.WatchRequest(verification_id=verification_id), metadata=admin
        ):
            pass

        Call = Callable[[tuple[tuple[str, str], ...], int], Awaitable[object]]
        calls: dict[str, tuple[Permission, Call]] = {
            "Submit": (Permission.SUBMIT, lambda m, i: verifications.Submit(api.SubmitRequest(request=request), metadata=m)),
            "Get": (Permission.STATUS, lambda m, i: verifications.Get(api.GetRequest(verification_id=verification_id), metadata=m)),
            "GetReport": (Permission.REPORT, lambda m, i: verifications.GetReport(api.GetReportRequest(verification_id=verification_id), metadata=m)),
            "List": (Permission.LIST, lambda m, i: verifications.List(api.ListRequest(), metadata=m)),
            "Review": (Permission.REVIEW, lambda m, i: verifications.Review(api.ReviewRequest(verification_id=verification_id, reason="seen"), metadata=m)),
            "Keys.Create": (Permission.MANAGE_KEYS, lambda m, i: keys.Create(api.CreateKeyRequest(name="x", role="read"), metadata=m)),
            "Keys.List": (Permission.MANAGE_KEYS, lambda m, i: keys.List(api.ListKeysRequest(), metadata=m)),
            "Keys.Revoke": (Permission.MANAGE_KEYS, lambda m, i: keys.Revoke(api.RevokeKeyRequest(id=spare[i]), metadata=m)),
        }  # fmt: skip
        seen = {}
        for index, (role, key) in enumerate(role_keys.items()):
            for name, (permission, call) in calls.items():
                try:
                    await call(bearer(key), index)
                    outcome = "allowed"
                except grpc.aio.AioRpcError as error:
                    # A second review of one verification: allowed, but already reviewed.
                    outcome = (
                        "allowed"
                        if error.code() is grpc.StatusCode.FAILED_PRECONDITION
                        else error.code().name
                    )
                seen[(role.name, name)] = outcome
                expected = "allowed" if allows(role, permission) else "PERMISSION_DENIED"
                assert outcome == expected, (role, name, outcome)  # fmt: skip
        # No key, and a wrong key, are refused before any role is considered.
        for metadata in ((), bearer("otv_nope")):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await verifications.List(api.ListRequest(), metadata=metadata)
            assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        assert len(seen) == len(Role) * len(calls)


async def test_each_nats_user_may_publish_only_what_its_permissions_list(tmp_path: Path) -> None:
    """Forged events are refused by NATS itself, for every user and every event subject."""
    passwords = {user: f"password-of-{user}" for user in nats_accounts.PASSWORD_USERS}
    config = tmp_path / "nats.conf"
    config.write_text(nats_accounts.render(passwords))
    server = NatsServer(tmp_path / "nats", config_file=config)
    url = await server.start()
    subjects = [str(subject) for subject in Subject] + [str(subject) for subject in ApiSubject]
    checked = 0
    try:
        operator = await nats.connect(url, user="operator", password=passwords["operator"])
        arrivals: list[tuple[str, bytes]] = []

        async def arrived(msg: Msg) -> None:
            arrivals.append((msg.subject, msg.data))

        await operator.subscribe("otv.v1.>", cb=arrived)
        await operator.flush()
        for user in (*nats_accounts.SERVICES, nats_accounts.CLIENT):
            errors: list[str] = []

            async def on_error(exc: Exception, into: list[str] = errors) -> None:
                into.append(str(exc).lower())

            credentials = {} if user == nats_accounts.CLIENT else {
                "user": user, "password": passwords[user]}  # fmt: skip
            nc = await nats.connect(url, error_cb=on_error, allow_reconnect=False, **credentials)
            allowed = nats_accounts.permissions(user).publish
            for subject in subjects:
                marker = f"forged by {user}".encode()
                await nc.publish(subject, marker)
                await nc.flush()
                may = any(nats_subject_matches(pattern, subject) for pattern in allowed)
                refused = f'permissions violation for publish to "{subject}"'
                for _ in range(200):  # the message, or the refusal, comes back asynchronously
                    came = (subject, marker) in arrivals
                    if came or any(refused in e for e in errors):
                        break
                    await asyncio.sleep(0.01)
                assert came is may, (user, subject)
                assert any(refused in e for e in errors) is not may, (user, subject)
                checked += 1
            await nc.close()
        await operator.close()
    finally:
        await server.stop()
    assert checked == (len(nats_accounts.SERVICES) + 1) * len(subjects)


def nats_subject_matches(pattern: str, subject: str) -> bool:
    parts, wanted = pattern.split("."), subject.split(".")
    for index, part in enumerate(parts):
        if part == ">":
            return len(wanted) > index
        if index >= len(wanted) or (part != "*" and part != wanted[index]):
            return False
    return len(parts) == len(wanted)


async def test_a_git_token_and_an_environment_secret_leave_no_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = io.StringIO()
    logs.configure("DEBUG", "json", log)
    spans = InMemorySpanExporter()
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache", git_token=GIT_TOKEN)
    repo = two_target_repository(tmp_path / "repo")
    # A command scenario that prints everything it can see of its environment.
    profiles = (
        b"version: 1\nprofiles:\n  default:\n    scenarios:\n"
        b"      - {id: leak, type: command, run: [sh, -c, 'env; exit 1']}\n"
    )
    monkeypatch.setenv("OTV_GIT_TOKEN", GIT_TOKEN)  # the service's own environment
    async with EmbeddedStack(
        settings, store_dir=tmp_path / "store", span_processors=(SimpleSpanProcessor(spans),)
    ) as stack:
        from otv.bus import Bus
        from otv.client import VerificationClient
        from otv.telemetry import Telemetry

        bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
        try:
            client = VerificationClient(bus, stack.admin_key)
            request = pb.VerificationRequest(
                repository=str(repo.path), head="feature", targets=["main"], profile="default",
                profiles_document=profiles, profiles_document_name="p.yaml",
                environment=pb.ClientEnvironment(variables={"DEPLOY_SECRET_TOKEN": ENV_SECRET}),
            )  # fmt: skip
            ended = await client.verify(request, "canaryenv", "canaryenv", timeout_s=60)
            assert ended.report is not None
            markdown = (await client.report("canaryenv", "markdown")).decode()
        finally:
            await bus.close()
        stored = await everything_stored(stack.operator_url)
    report = ended.report.to_json()
    leak = next(s for t in ended.report.targets for s in t.scenarios if s.id == "leak")
    # The command ran and its output, its whole environment, is in the report: the
    # check below looks where a leak would be.
    assert leak.outcome == "failed"
    assert "PATH=" in report
    places = {
        "log": log.getvalue(),
        "stdout/stderr": "".join(capsys.readouterr()),
        "report": report,
        "markdown": markdown,
        "stored": b"\n".join(stored).decode(errors="replace"),
        "spans": "\n".join(span.to_json() for span in spans.get_finished_spans()),
    }
    for place, text in places.items():
        assert GIT_TOKEN not in text, place
        assert ENV_SECRET not in text, place
    assert spans.get_finished_spans()
