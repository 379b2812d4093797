"""Authorization end to end, on the embedded stack with its NATS permissions."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import nats
import pytest
from support import stored_events, two_target_repository

from otv.auth_messages import AuthorizeQuery, CreatedKey, CreateKey, KeyId, RotateKey
from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.events import meta
from otv.bus.subjects import ApiSubject, Subject
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.permissions import Permission, Role, allows
from otv.queries import ListQuery, Phase
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

Operation = Callable[[VerificationClient], Awaitable[object]]
MERGE_ONLY = b"version: 1\nprofiles:\n  default:\n    scenarios:\n      - {id: m, type: merge}\n"


@pytest.fixture
async def stack(settings: Settings, tmp_path: Path) -> AsyncIterator[EmbeddedStack]:
    async with EmbeddedStack(settings, store_dir=tmp_path / "store") as stack:
        yield stack


@contextlib.asynccontextmanager
async def client(stack: EmbeddedStack, key: str) -> AsyncIterator[VerificationClient]:
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        yield VerificationClient(bus, key)
    finally:
        await bus.close()


async def create_key(admin: VerificationClient, role: Role, name: str = "") -> CreatedKey:
    query = CreateKey(name=name or role.label, role=role.label)
    reply = await admin.request(ApiSubject.KEYS_CREATE, query.model_dump_json().encode())
    return CreatedKey.model_validate_json(reply)


def request(repo: Path) -> pb.VerificationRequest:
    return pb.VerificationRequest(
        repository=str(repo),
        head="feature",
        targets=["main"],
        profile="default",
        profiles_document=MERGE_ONLY,
        profiles_document_name="p.yaml",
    )


async def test_every_role_against_every_operation(stack: EmbeddedStack, tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        keys = {role: (await create_key(admin, role)).key for role in Role}
        done = await admin.verify(request(repo.path), "matrix", "matrix", timeout_s=60)
        assert done.phase is Phase.COMPLETED

        async def spare_key_id() -> str:
            return (await create_key(admin, Role.READ, "spare")).info.id

        async def revoke(caller: VerificationClient) -> object:
            body = KeyId(id=await spare_key_id()).model_dump_json().encode()
            return await caller.request(ApiSubject.KEYS_REVOKE, body)

        async def rotate(caller: VerificationClient) -> object:
            body = RotateKey(id=await spare_key_id()).model_dump_json().encode()
            return await caller.request(ApiSubject.KEYS_ROTATE, body)

        async def create(caller: VerificationClient) -> object:
            body = CreateKey(name="x", role="read").model_dump_json().encode()
            return await caller.request(ApiSubject.KEYS_CREATE, body)

        operations: dict[str, tuple[Permission, Operation]] = {
            "status": (Permission.STATUS, lambda c: c.status("matrix")),
            "report": (Permission.REPORT, lambda c: c.report("matrix")),
            "list": (Permission.LIST, lambda c: c.list(ListQuery())),
            # The first reviewer acknowledges it; the others are told it was reviewed (409).
            "review": (Permission.REVIEW, lambda c: c.review("matrix", False, "looked at it")),
            "keys.list": (Permission.MANAGE_KEYS, lambda c: c.request(ApiSubject.KEYS_LIST, b"{}")),
            "keys.create": (Permission.MANAGE_KEYS, create),
            "keys.revoke": (Permission.MANAGE_KEYS, revoke),
            "keys.rotate": (Permission.MANAGE_KEYS, rotate),
            "audit.verify": (Permission.AUDIT, lambda c: c.request(ApiSubject.AUDIT_VERIFY, b"{}")),
        }
        for role, key in keys.items():
            async with client(stack, key) as caller:
                for name, (permission, call) in operations.items():
                    try:
                        await call(caller)
                        outcome = "allowed"
                    except ApiError as exc:
                        outcome = "allowed" if exc.code == "409" else exc.code
                    expected = "allowed" if allows(role, permission) else "403"
                    assert outcome == expected, (role, name)
                # Submitting is an event, not a request: refused with a rejected event.
                ended = await caller.verify(request(repo.path), f"by-{role.label}", "m", 60)
                if allows(role, Permission.SUBMIT):
                    assert ended.phase is Phase.COMPLETED, role
                else:
                    assert (ended.phase, ended.reason_code) == (Phase.REJECTED, "403")
                    assert ended.reason == f"key {keys_id(key)} has role read; submit needs run"
                # And the authorize endpoint answers the whole permission table.
                for permission in Permission:
                    query = AuthorizeQuery(permission=permission).model_dump_json().encode()
                    try:
                        await caller.request(ApiSubject.AUTHORIZE, query)
                        answer = "allowed"
                    except ApiError as exc:
                        answer = exc.code
                    assert answer == ("allowed" if allows(role, permission) else "403")


def keys_id(key: str) -> str:
    return key[4:12]


async def test_a_client_cannot_forge_an_authorization(stack: EmbeddedStack, tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    violations: list[str] = []

    async def on_error(exc: Exception) -> None:
        violations.append(str(exc))

    nc = await nats.connect(stack.url, error_cb=on_error)  # as any client: no credentials
    try:
        forged = pb.VerificationAuthorized(
            meta=meta("forged.authorized", "forged", "forged", "auth"),
            request=request(repo.path),
            principal=pb.Principal(key_id="nobody", role="admin"),
        )
        with pytest.raises(nats.errors.TimeoutError):
            await nc.jetstream().publish(
                Subject.VERIFICATION_AUTHORIZED, forged.SerializeToString(), timeout=1
            )
        # Nor can it read the event log, or hear requests in flight.
        with pytest.raises(nats.errors.TimeoutError):
            await nc.jetstream(timeout=1).stream_info("OTV_EVENTS")
        await nc.subscribe(Subject.VERIFICATION_REQUESTED)
        for _ in range(100):  # the server's refusal comes asynchronously
            if any("subscription" in v.lower() for v in violations):
                break
            await asyncio.sleep(0.02)
    finally:
        await nc.close()
    assert any("permissions violation for publish" in v.lower() for v in violations)
    assert any("permissions violation for subscription" in v.lower() for v in violations)
    await asyncio.sleep(1.0)  # time for the collector to act, were the event there
    events = await stored_events(stack.operator_url)
    assert [s for s, headers, _ in events if headers.get("Otv-Verification-Id") == "forged"] == []


async def test_a_revocation_reaches_every_service_within_a_second(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        await admin.verify(request(repo.path), "v1", "v1", timeout_s=60)
        created = await create_key(admin, Role.READ)
        async with client(stack, created.key) as reader:
            for _ in range(3):
                assert (await reader.status("v1")).phase is Phase.COMPLETED  # now cached
            await admin.request(
                ApiSubject.KEYS_REVOKE, KeyId(id=created.info.id).model_dump_json().encode()
            )
            started = asyncio.get_running_loop().time()
            while (refused := await refusal(reader)) is None:
                assert asyncio.get_running_loop().time() - started < 1.0, "still admitted after 1 s"
                await asyncio.sleep(0.02)
    assert (refused.code, refused.message) == ("401", f"revoked API key {created.info.id}")


async def refusal(reader: VerificationClient) -> ApiError | None:
    try:
        await reader.status("v1")
    except ApiError as exc:
        return exc
    return None


async def test_the_services_api_answers_ping_info_and_stats(stack: EmbeddedStack) -> None:
    nc = await nats.connect(stack.operator_url)
    try:
        ping = json.loads((await nc.request("$SRV.PING.otv-auth", b"", timeout=2)).data)
        info = json.loads((await nc.request("$SRV.INFO.otv-auth", b"", timeout=2)).data)
        stats = json.loads((await nc.request("$SRV.STATS.otv-reporter", b"", timeout=2)).data)
    finally:
        await nc.close()
    assert ping["name"] == "otv-auth"
    assert {e["subject"] for e in info["endpoints"]} >= {
        "otv.v1.api.authorize",
        "otv.v1.api.keys.create",
        "otv.v1.api.audit.verify",
    }
    assert {e["name"] for e in stats["endpoints"]} == {
        "status",
        "report",
        "list",
        "watch",
        "review",
    }
