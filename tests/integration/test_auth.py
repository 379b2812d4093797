"""auth's parts against a real nats-server: key store, administration, authentication, audit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import nats
import pytest

from otv.bus import Bus
from otv.bus.audit_stream import AUDIT_SUBJECT
from otv.keys import key_hash, new_key, parse_key
from otv.permissions import Permission, Role
from otv.telemetry import Telemetry
from services.auth.audit import AuditTrail, verify_chain
from services.auth.authenticate import Authenticator, Denied
from services.auth.config import ConfiguredKey
from services.auth.key_admin import KeyAdmin
from services.auth.store import KEYS_BUCKET, KeyStore
from services.auth.throttle import Throttle

PEPPER = b"pepper-for-tests-only-32-bytes!!"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    bus = await Bus.connect(nats_url, Telemetry.for_service("test"))
    try:
        yield bus
    finally:
        await bus.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(bus: Bus, clock: Clock) -> KeyStore:
    store = KeyStore(await bus.records(KEYS_BUCKET, 1), clock)
    await store.load()
    return store


@pytest.fixture
def admin(store: KeyStore, clock: Clock) -> KeyAdmin:
    return KeyAdmin(store, PEPPER, clock)


@pytest.fixture
def authn(store: KeyStore, clock: Clock) -> Authenticator:
    return Authenticator(store, PEPPER, Throttle(per_key=5, overall=1000), clock)


def denial(
    authn: Authenticator, header: str | None, permission: Permission = Permission.STATUS
) -> tuple[str, str]:
    with pytest.raises(Denied) as caught:
        authn.authorize(header, permission)
    return caught.value.code, caught.value.reason


async def test_a_created_key_is_admitted_for_its_role_and_no_further(
    admin: KeyAdmin, authn: Authenticator
) -> None:
    key, record = await admin.create("CI", Role.RUN)
    decision = authn.authorize(f"Bearer {key}", Permission.SUBMIT)
    assert decision.principal.key_id == record.id == parse_key(key).id
    assert decision.principal.role == "run"
    assert decision.valid_for_s == 10.0
    assert denial(authn, f"Bearer {key}", Permission.REVIEW) == (
        "403",
        f"key {record.id} has role run; review needs review",
    )
    assert denial(authn, f"Bearer {key}", Permission.MANAGE_KEYS)[0] == "403"
    [info] = admin.infos()
    assert (info.id, info.name, info.role, info.state, info.source) == (
        record.id,
        "CI",
        "run",
        "active",
        "api",
    )
    assert key not in info.model_dump_json()
    assert record.hash not in info.model_dump_json()


async def test_every_kind_of_bad_key_is_refused_with_its_reason(
    admin: KeyAdmin, authn: Authenticator, clock: Clock
) -> None:
    key, record = await admin.create("CI", Role.RUN, expires_in_s=3600)
    revoked_key, revoked = await admin.create("old", Role.RUN)
    await admin.revoke(revoked.id)
    wrong_secret = new_key(key_id=record.id)
    mistyped = key[:-1] + ("a" if key[-1] != "a" else "b")
    cases = {
        "empty": ("", "no API key presented"),
        "missing": (None, "no API key presented"),
        "not bearer": (f"Basic {key}", "the Authorization header must be 'Bearer <key>'"),
        "malformed": (
            "Bearer otv_nope",
            "malformed API key: wrong length or characters (truncated?)",
        ),
        "bad checksum": (
            f"Bearer {mistyped}",
            "malformed API key: its checksum does not match (mistyped?)",
        ),
        "oversized": ("Bearer otv_" + "a" * 300, "malformed API key: not an otv key"),
        "non-ascii": ("Bearer otv_ключ", "malformed API key: not an otv key"),
        "unknown": (f"Bearer {new_key()}", "unknown API key"),
        "wrong secret": (f"Bearer {wrong_secret}", "unknown API key"),
        "revoked": (f"Bearer {revoked_key}", f"revoked API key {revoked.id}"),
    }
    for case, (header, reason) in cases.items():
        assert denial(authn, header) == ("401", reason), case
    clock.now += timedelta(hours=2)
    assert denial(authn, f"Bearer {key}") == ("401", f"expired API key {record.id}")


async def test_a_decision_is_never_reusable_past_the_keys_expiry(
    admin: KeyAdmin, authn: Authenticator
) -> None:
    key, _ = await admin.create("short", Role.READ, expires_in_s=4)
    assert authn.authorize(f"Bearer {key}", Permission.STATUS).valid_for_s == 4.0


async def test_rotation_keeps_the_old_key_for_the_grace_period(
    admin: KeyAdmin, authn: Authenticator, store: KeyStore, clock: Clock
) -> None:
    old_key, old = await admin.create("deploy bot", Role.REVIEW)
    new_key_text, new = await admin.rotate(old.id, grace_s=3600)
    assert (new.name, new.role, new.id != old.id) == ("deploy bot", Role.REVIEW, True)
    assert authn.authorize(f"Bearer {old_key}", Permission.REVIEW)
    assert authn.authorize(f"Bearer {new_key_text}", Permission.REVIEW)
    assert store.get(old.id).replaced_by == new.id  # type: ignore[union-attr]
    clock.now += timedelta(hours=1, seconds=1)
    assert denial(authn, f"Bearer {old_key}") == ("401", f"expired API key {old.id}")
    assert authn.authorize(f"Bearer {new_key_text}", Permission.REVIEW)


async def test_failures_are_throttled_but_the_valid_key_always_passes(
    admin: KeyAdmin, authn: Authenticator
) -> None:
    key, record = await admin.create("CI", Role.RUN)
    guesses = [denial(authn, f"Bearer {new_key(key_id=record.id)}")[0] for _ in range(8)]
    assert guesses == ["401"] * 5 + ["429"] * 3
    assert authn.authorize(f"Bearer {key}", Permission.SUBMIT).principal.key_id == record.id


async def test_seeding_follows_the_configuration_and_the_bootstrap_key(
    admin: KeyAdmin, authn: Authenticator, store: KeyStore
) -> None:
    ci_key, other_key, bootstrap = new_key(), new_key(), new_key()

    def entry(key: str, role: Role) -> ConfiguredKey:
        return ConfiguredKey(id=parse_key(key).id, name="k", role=role, hash=key_hash(key, PEPPER))

    assert await admin.seed([entry(ci_key, Role.RUN), entry(other_key, Role.READ)], bootstrap) == []
    assert authn.authorize(f"Bearer {bootstrap}", Permission.MANAGE_KEYS)
    assert authn.authorize(f"Bearer {ci_key}", Permission.SUBMIT)
    # A new configuration: ci gets review, other is gone, a new bootstrap key replaces the old.
    second_bootstrap = new_key()
    retired = await admin.seed([entry(ci_key, Role.REVIEW)], second_bootstrap)
    assert sorted(retired) == sorted([parse_key(other_key).id, parse_key(bootstrap).id])
    assert authn.authorize(f"Bearer {ci_key}", Permission.REVIEW)
    assert denial(authn, f"Bearer {other_key}")[0] == "401"
    assert denial(authn, f"Bearer {bootstrap}")[0] == "401"
    assert authn.authorize(f"Bearer {second_bootstrap}", Permission.MANAGE_KEYS)
    # A revocation made through the API stands when the same configuration is seeded again.
    await admin.revoke(parse_key(ci_key).id)
    await admin.seed([entry(ci_key, Role.REVIEW)], second_bootstrap)
    assert denial(authn, f"Bearer {ci_key}")[0] == "401"


async def test_another_replica_learns_of_a_revocation_within_a_second(
    bus: Bus, admin: KeyAdmin, clock: Clock
) -> None:
    key, record = await admin.create("CI", Role.RUN)
    replica = KeyStore(await bus.records(KEYS_BUCKET, 1), clock)
    await replica.load()
    stop = asyncio.Event()
    following = asyncio.create_task(replica.follow(stop))
    replica_authn = Authenticator(replica, PEPPER, Throttle(), clock)
    try:
        assert replica_authn.authorize(f"Bearer {key}", Permission.SUBMIT)
        await admin.revoke(record.id)
        started = asyncio.get_running_loop().time()
        while replica.get(record.id).revoked_at is None:  # type: ignore[union-attr]
            assert asyncio.get_running_loop().time() - started < 1.0
            await asyncio.sleep(0.01)
        assert denial(replica_authn, f"Bearer {key}") == ("401", f"revoked API key {record.id}")
    finally:
        stop.set()
        await following


async def test_two_audit_writers_keep_one_intact_chain(bus: Bus, nats_url: str) -> None:
    stream = bus.audit_stream()
    await stream.ensure(1)
    trails = [AuditTrail(stream, "auth"), AuditTrail(stream, "auth")]
    stop = asyncio.Event()
    writers = [asyncio.create_task(trail.run(stop)) for trail in trails]
    for number in range(20):
        trails[number % 2].record(
            allowed=number % 3 != 0,
            code="200",
            key_id=f"k{number}",
            permission="status",
            subject="otv.v1.api.status",
            correlation_id=f"c{number}",
        )
    await asyncio.gather(*(trail.flushed() for trail in trails))
    first, entries = await stream.entries()
    check = verify_chain(first, entries)
    assert (check.ok, check.records) == (True, 20), check.problems
    # A record slipped into the stream by someone else shows as a break.
    nc = await nats.connect(nats_url)
    await nc.jetstream().publish(AUDIT_SUBJECT, b'{"decision": "allow"}')
    await nc.close()
    trails[0].record(
        allowed=True, code="200", key_id="after", permission="status", subject="", correlation_id=""
    )
    await trails[0].flushed()
    stop.set()
    await asyncio.gather(*writers)
    first, entries = await stream.entries()
    check = verify_chain(first, entries)
    assert check.problems == ["record 21 is not an audit record"]
    assert check.records == 22
