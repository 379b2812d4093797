"""The collected context end to end: in the report, cached, kept out of line when large."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import nats
import pytest
from support import GitRepo, stored_events

from otv import logs
from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.environment import snapshot
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

CANARY = "canary-secret-5e1f0c"
PROFILES = """\
version: 1
profiles:
  default:
    context:
      config_files: ["deploy/*.yaml", "*.json"]
      schemas: {{"deploy/*.yaml": "schema.json"}}
      probes:
        - {{id: up, type: tcp, host: 127.0.0.1, port: {up}}}
        - {{id: down, type: tcp, host: 127.0.0.1, port: {down}, timeout: 1}}
    scenarios:
      - {{id: mergeable, type: merge}}
"""


def repository(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.commit(
        "base",
        {
            "requirements.txt": "flask==3.0.0\n",
            "schema.json": json.dumps({"type": "object", "required": ["replicas"]}),
            "deploy/app.yaml": "replicas: 2\n",
        },
    )
    repo.branch("release/1.0")
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit(
        "change",
        {
            "requirements.txt": "flask==3.0.3\nrich==13.7.1\n",
            "deploy/app.yaml": "name: app\n",
            "deploy/broken.yaml": "a: [1\n",
        },
    )
    repo.checkout("main")
    repo.commit("main moves on", {"NOTES.md": "notes"})
    return repo


async def ports() -> tuple[asyncio.Server, int, int]:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    closed = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    down = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    return server, server.sockets[0].getsockname()[1], down


def request(repo: Path, profiles: str) -> pb.VerificationRequest:
    environment = snapshot(
        {"CI": "true", "DEPLOY_TOKEN": CANARY, "NOTE": f"password={CANARY}"}, ["NOTE"]
    )
    return pb.VerificationRequest(
        repository=str(repo),
        head="feature",
        targets=["main", "release/1.0"],
        profile="default",
        profiles_document=profiles.encode(),
        profiles_document_name="p.yaml",
        environment=environment,
    )


async def run(stack: EmbeddedStack, vid: str, req: pb.VerificationRequest) -> dict[str, object]:
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        client = VerificationClient(bus, stack.admin_key)
        done = await client.verify(req, vid, vid, timeout_s=60)
        assert done.report is not None, done.reason
        return json.loads(await client.report(vid))  # type: ignore[no-any-return]
    finally:
        await bus.close()


async def test_the_context_is_in_the_report_and_secrets_are_not(
    settings: Settings, tmp_path: Path
) -> None:
    log = io.StringIO()
    logs.configure("INFO", "json", log)
    repo = repository(tmp_path / "repo")
    server, up, down = await ports()
    profiles = PROFILES.format(up=up, down=down)
    async with EmbeddedStack(settings, store_dir=tmp_path / "store") as stack:
        report = await run(stack, "ctx1", request(repo.path, profiles))
        events = await stored_events(stack.operator_url)
    server.close()
    main, release = report["targets"]  # type: ignore[index]
    context = main["context"]
    assert (context["ahead"], context["behind"]) == (1, 1)
    assert {c["path"] for c in context["changed_files"]} == {
        "requirements.txt",
        "deploy/app.yaml",
        "deploy/broken.yaml",
    }
    assert {(d["name"], d["change"], d["direction"]) for d in context["drift"]} == {
        ("flask", "changed", "upgrade"),
        ("rich", "added", ""),
    }
    files = {c["path"]: c for c in context["config_files"]}
    assert files["deploy/broken.yaml"]["valid"] is False
    assert files["deploy/broken.yaml"]["line"] == 2
    assert files["deploy/app.yaml"]["schema_errors"] == ["$: 'replicas' is a required property"]
    assert {p["id"]: p["ok"] for p in context["probes"]} == {"up": True, "down": False}
    assert release["context"]["probes"] == context["probes"]  # the same probe: run once
    environment = report["context"]["environment"]  # type: ignore[index]
    assert environment["variables"]["CI"] == "true"
    assert "DEPLOY_TOKEN" in environment["variable_names"]
    assert "git" in environment["tools"] or environment["tools"] == {}
    everything = (
        json.dumps(report)
        + log.getvalue()
        + "".join(json.dumps(h) + body.decode(errors="replace") for _, h, body in events)
    )
    assert CANARY not in everything


async def test_a_second_verification_reuses_the_collected_context(
    settings: Settings, tmp_path: Path
) -> None:
    repo = repository(tmp_path / "repo")
    server, up, down = await ports()
    profiles = PROFILES.format(up=up, down=down)
    async with EmbeddedStack(settings, store_dir=tmp_path / "store") as stack:
        first = await run(stack, "c1", request(repo.path, profiles))
        cached_before = await cache_entries(stack.operator_url)
        second = await run(stack, "c2", request(repo.path, profiles))
        cached_after = await cache_entries(stack.operator_url)
        repo.checkout("feature")
        repo.commit("another change", {"x.txt": "x"})
        repo.checkout("main")
        await run(stack, "c3", request(repo.path, profiles))
        cached_later = await cache_entries(stack.operator_url)
    server.close()
    assert cached_before == cached_after == 3  # one per target and one for the head, reused
    assert cached_later == 6  # a new head: collected again

    def cached_part(report: dict[str, object]) -> list[dict[str, object]]:
        # Probes are run afresh each time (their latencies differ); the rest was reused.
        return [{k: v for k, v in t["context"].items() if k != "probes"} for t in report["targets"]]  # type: ignore[attr-defined]

    assert cached_part(first) == cached_part(second)


async def cache_entries(operator_url: str) -> int:
    nc = await nats.connect(operator_url)
    try:
        kv = await nc.jetstream().key_value("otv_context_cache")
        return len(await kv.keys())
    finally:
        await nc.close()


async def test_large_details_travel_through_the_object_store(
    settings: Settings, tmp_path: Path
) -> None:
    repo = repository(tmp_path / "repo")
    server, up, down = await ports()
    small = settings.model_copy(update={"context_inline_max_bytes": 100})
    async with EmbeddedStack(small, store_dir=tmp_path / "store") as stack:
        report = await run(stack, "big", request(repo.path, PROFILES.format(up=up, down=down)))
        events = await stored_events(stack.operator_url, "otv.v1.evt.context.collected")
    server.close()
    [(_, _, body)] = events
    collected = pb.ContextCollected.FromString(body)
    assert collected.HasField("details_ref")
    assert not collected.HasField("details")
    assert collected.details_ref.size > 100
    assert report["targets"][0]["context"]["drift"]  # type: ignore[index]


@pytest.mark.parametrize(
    "broken", ["version: 1\nprofiles: {default: {context: {config_files: ['/etc/*']}}}\n"]
)
def test_an_invalid_context_section_is_a_configuration_error(
    broken: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from otv.cli import main

    repo = repository(tmp_path / "repo")
    profiles = tmp_path / "p.yaml"
    profiles.write_text(broken)
    code = main(
        ["verify", str(repo.path), "--head", "feature", "-t", "main", "--profiles", str(profiles)]
    )
    assert code == 2
    assert "invalid glob '/etc/*'" in capsys.readouterr().err
