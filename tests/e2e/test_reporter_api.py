"""The reporter's API end to end: reports in every format, list, watch, review, retention."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import nats
import pytest
import xmlschema
from support import GitRepo, profiles_yaml, stored_events, two_target_repository

from otv.auth_messages import CreatedKey, CreateKey
from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.subjects import (
    REPORTS_BUCKET,
    VERIFICATION_INDEX_BUCKET,
    VERIFICATIONS_BUCKET,
    ApiSubject,
    Subject,
)
from otv.cli import main
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.outcomes import Verdict
from otv.permissions import Role
from otv.queries import ListQuery, Phase, WatchUpdate
from otv.report import Report
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb
from services.reporter.retention import Retention
from services.reporter.store import VerificationStore

ROOT = Path(__file__).parents[2]
SLOW = ["sh", "-c", "sleep 1.5; grep -q feature app.txt"]


@pytest.fixture
async def stack(settings: Settings, tmp_path: Path) -> AsyncIterator[EmbeddedStack]:
    async with EmbeddedStack(
        settings.model_copy(update={"allow_client_profiles": True}), store_dir=tmp_path / "store"
    ) as stack:
        yield stack


@contextlib.asynccontextmanager
async def client(stack: EmbeddedStack, key: str) -> AsyncIterator[VerificationClient]:
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        yield VerificationClient(bus, key)
    finally:
        await bus.close()


def request(repo: GitRepo, targets: list[str], profiles: str) -> pb.VerificationRequest:
    return pb.VerificationRequest(
        repository=str(repo.path),
        head="feature",
        targets=targets,
        profile="default",
        profiles_document=profiles.encode(),
        profiles_document_name="profiles.yaml",
    )


def server(stack: EmbeddedStack, key: str = "") -> list[str]:
    return ["--server", stack.url, "--api-key", key or stack.admin_key]


async def key_with(admin: VerificationClient, role: Role) -> str:
    query = CreateKey(name=f"{role.label}-key", role=role.label).model_dump_json().encode()
    return CreatedKey.model_validate_json(await admin.request(ApiSubject.KEYS_CREATE, query)).key


async def test_every_format_of_a_finished_verification(
    stack: EmbeddedStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        done = await admin.verify(
            request(repo, ["main", "release/1.0"], profiles_yaml("blocking")), "fmt1", "c", 60
        )
        assert (done.phase, done.verdict) == (Phase.COMPLETED, Verdict.FAILED)
        sarif = json.loads(await admin.report("fmt1", "sarif"))
        junit = (await admin.report("fmt1", "junit")).decode()
        agent = (await admin.report("fmt1", "agent", max_tokens=120)).decode()
    official = json.loads((ROOT / "schemas/vendor/sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(official).validate(sarif)
    results = sarif["runs"][0]["results"]
    # The conflict is where the merge scenario points: the conflicting file.
    assert [(r["ruleId"], r["level"]) for r in results] == [("mergeable", "error")]
    location = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "app.txt", "uriBaseId": "%SRCROOT%"}
    xmlschema.XMLSchema(str(ROOT / "schemas/vendor/junit.xsd")).validate(junit)
    assert len(agent) <= 120 * 4 and agent.startswith("otv verdict: FAILED")
    out = tmp_path / "out"
    code = await asyncio.to_thread(
        main,
        ["report", "fmt1", "--format", "html", "--out", str(out), *server(stack)],
    )
    assert code == 0
    assert 'id="matrix"' in (out / "report.html").read_text()
    assert capsys.readouterr().out == f"{out / 'report.html'}\n"
    code = await asyncio.to_thread(
        main,
        ["report", "fmt1", "--format", "tap", "--server", stack.url, "--api-key", stack.admin_key],
    )
    assert code == 0 and capsys.readouterr().out.startswith("TAP version 14\n1..2\n")


async def test_a_report_of_an_unknown_or_unfinished_verification_is_refused(
    stack: EmbeddedStack,
) -> None:
    async with client(stack, stack.admin_key) as admin:
        with pytest.raises(ApiError) as unknown:
            await admin.report("nobody", "sarif")
        assert (unknown.value.code, unknown.value.message) == ("404", "no verification nobody")
        with pytest.raises(ApiError) as bad:
            await admin.request(ApiSubject.REPORT, b'{"verification_id": "x", "format": "pdf"}')
        assert bad.value.code == "400" and "format" in bad.value.message


async def test_list_filters_by_verdict_repository_and_time(
    stack: EmbeddedStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    other = two_target_repository(tmp_path / "other")
    async with client(stack, stack.admin_key) as admin:
        await admin.verify(request(repo, ["main"], profiles_yaml()), "l-pass", "c", 60)
        await admin.verify(
            request(repo, ["release/1.0"], profiles_yaml("blocking")), "l-fail", "c", 60
        )
        await admin.verify(request(other, ["main"], profiles_yaml()), "l-other", "c", 60)
        everything = await admin.list(ListQuery())
        failed = await admin.list(ListQuery(verdict=Verdict.FAILED))
        mine = await admin.list(ListQuery(repository=str(repo.path)))
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        later = await admin.list(ListQuery(since=future))
        newest = await admin.list(ListQuery(limit=1))
        with pytest.raises(ApiError) as bad:
            await admin.list(ListQuery(since="yesterday"))
    assert [v.verification_id for v in everything.verifications] == ["l-other", "l-fail", "l-pass"]
    assert [v.verification_id for v in failed.verifications] == ["l-fail"]
    assert {v.verification_id for v in mine.verifications} == {"l-pass", "l-fail"}
    assert later.verifications == [] and later.total == 0
    assert (len(newest.verifications), newest.total) == (1, 3)
    assert bad.value.code == "400"
    code = await asyncio.to_thread(
        main,
        ["list", "--verdict", "failed", "--since", "1h", *server(stack)],
    )
    out = capsys.readouterr().out
    assert code == 0 and "l-fail" in out and "l-pass" not in out and "1 of 1 matching" in out


async def test_watch_streams_results_as_they_come_until_the_end(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        await admin.submit(
            request(repo, ["main", "release/1.0"], profiles_yaml(run=SLOW)), "w1", "c"
        )
        while True:
            with contextlib.suppress(ApiError):
                if (await admin.status("w1")).phase is not Phase.REQUESTED:
                    break
            await asyncio.sleep(0.05)
        updates: list[WatchUpdate] = [update async for update in admin.watch("w1", 60)]
    assert not updates[0].status.phase.terminal
    assert updates[-1].status.phase is Phase.COMPLETED
    assert updates[-1].status.verdict is Verdict.WARNED
    seen = [(found.target, found.scenario) for update in updates for found in update.finished]
    assert {("main", "check"), ("release/1.0", "check"), ("main", "mergeable")} <= set(seen)
    phases = [update.status.phase for update in updates]
    assert phases == sorted(phases, key=list(Phase).index)  # never backwards


async def test_the_watch_command_follows_until_the_verdict(
    stack: EmbeddedStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        await admin.submit(
            request(repo, ["release/1.0"], profiles_yaml("blocking", SLOW)), "w2", "c"
        )
        await asyncio.sleep(0.3)
        code = await asyncio.to_thread(
            main, ["watch", "w2", "--server", stack.url, "--api-key", stack.admin_key]
        )
    out = capsys.readouterr().out
    assert code == 1  # failed, as verify would say
    assert "release/1.0 · mergeable: ✗ failed" in out
    assert "verification w2: completed · verdict failed" in out


async def test_a_reviewer_waives_a_failure_and_every_report_shows_it(
    stack: EmbeddedStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        reviewer_key = await key_with(admin, Role.REVIEW)
        runner_key = await key_with(admin, Role.RUN)
        done = await admin.verify(
            request(repo, ["release/1.0"], profiles_yaml("blocking")), "r1", "c", 60
        )
        passed = await admin.verify(request(repo, ["main"], profiles_yaml()), "r2", "c", 60)
        assert (done.verdict, passed.verdict) == (Verdict.FAILED, Verdict.PASSED)
    async with client(stack, runner_key) as runner:
        with pytest.raises(ApiError) as refused:
            await runner.review("r1", True, "please")
        assert refused.value.code == "403"
    async with client(stack, reviewer_key) as reviewer:
        with pytest.raises(ApiError) as not_failed:
            await reviewer.review("r2", True, "nothing to waive")
        assert not_failed.value.code == "409" and "only a failed one" in not_failed.value.message
        code = await asyncio.to_thread(
            main,
            [
                *("review", "r1", "--waive", "--reason", "conflict resolved by hand in #88"),
                *server(stack, reviewer_key),
            ],
        )
        assert code == 0
        assert "verdict warned" in capsys.readouterr().out
        status = await reviewer.status("r1")
        with pytest.raises(ApiError) as twice:
            await reviewer.review("r1", True, "again")
        report = Report.from_json(await reviewer.report("r1"))
        markdown = (await reviewer.report("r1", "markdown")).decode()
        junit = (await reviewer.report("r1", "junit")).decode()
        html = (await reviewer.report("r1", "html")).decode()
        tap = (await reviewer.report("r1", "tap")).decode()
        sarif = json.loads(await reviewer.report("r1", "sarif"))
        agent = (await reviewer.report("r1", "agent")).decode()
    assert (status.phase, status.verdict, status.waived) == (Phase.REVIEWED, Verdict.WARNED, True)
    assert status.reviewed_by == "review-key"
    assert twice.value.code == "409" and "already reviewed, by review-key" in twice.value.message
    assert report.verdict is Verdict.WARNED and report.review is not None
    assert report.review.key_name == "review-key" and report.review.verdict_before is Verdict.FAILED
    assert report.review.reason == "conflict resolved by hand in #88"
    for text in (markdown, junit, html, tap, json.dumps(sarif), agent):
        assert "conflict resolved by hand in #88" in text or "waived" in text
    assert reviewer_key not in markdown + junit + html + tap + agent + report.to_json()
    events = await stored_events(stack.operator_url)
    assert [s for s, _, _ in events].count(Subject.VERIFICATION_REVIEWED) == 1


async def test_retention_removes_state_summary_and_reports(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    async with client(stack, stack.admin_key) as admin:
        await admin.verify(request(repo, ["main"], profiles_yaml()), "old1", "c", 60)
    bus = await Bus.connect(stack.operator_url, Telemetry.for_service("test"))
    try:
        store = VerificationStore(
            states=await bus.records(VERIFICATIONS_BUCKET, 1),
            index=await bus.records(VERIFICATION_INDEX_BUCKET, 1),
            reports=await bus.objects(REPORTS_BUCKET, 1),
        )
        retention = Retention(store, max_age_s=7 * 24 * 3600, every_s=3600)
        assert await retention.sweep(datetime.now(UTC)) == 0  # not old yet
        assert await store.report_json(await store.load("old1")) is not None
        assert await retention.sweep(datetime.now(UTC) + timedelta(days=8)) == 1
        assert await store.find("old1") is None
        assert await store.index.snapshot() == {}
        assert await store.reports.modified() == {}
    finally:
        await bus.close()
    async with client(stack, stack.admin_key) as admin:
        with pytest.raises(ApiError) as gone:
            await admin.status("old1")
        assert gone.value.code == "404"
        assert (await admin.list(ListQuery())).total == 0


async def test_an_operator_connection_cannot_be_replaced_by_a_client_for_the_buckets(
    stack: EmbeddedStack,
) -> None:
    # A client (no credentials) may ask the API, but not read states or reports directly.
    nc = await nats.connect(stack.url)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 — any refusal will do
            await (await nc.jetstream().key_value(VERIFICATIONS_BUCKET)).get("anything")
    finally:
        await nc.close()
