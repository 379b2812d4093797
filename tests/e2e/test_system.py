"""otv as a system: separate service processes, duplicates, rejections, what the log keeps."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from support import profiles_yaml, stored_events, two_target_repository

from otv.bus import Bus
from otv.bus.events import meta
from otv.bus.subjects import Subject
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.keys import key_hash, new_key, parse_key
from otv.outcomes import Verdict
from otv.queries import Phase
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb


def request_for(repo: Path, profiles: str) -> pb.VerificationRequest:
    return pb.VerificationRequest(
        repository=str(repo),
        head="feature",
        targets=["main", "release/1.0"],
        profile="default",
        profiles_document=profiles.encode(),
        profiles_document_name="profiles.yaml",
    )


@pytest.fixture
async def stack(settings: Settings, tmp_path: Path) -> AsyncIterator[EmbeddedStack]:
    stack = EmbeddedStack(settings, store_dir=tmp_path / "store")
    yield stack
    await stack.stop()


async def test_every_event_carries_the_ids_and_the_log_keeps_no_key(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    await stack.start()
    key = stack.admin_key
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        conclusion = await VerificationClient(bus, key).verify(
            request_for(repo.path, profiles_yaml()), "v1", "ci-run-42", timeout_s=60
        )
    finally:
        await bus.close()
    assert (conclusion.phase, conclusion.verdict) == (Phase.COMPLETED, Verdict.WARNED)
    events = await stored_events(stack.operator_url)
    subjects = [subject for subject, _, _ in events]
    # requested was erased once auth decided: it carried the key.
    assert Subject.VERIFICATION_REQUESTED not in subjects
    assert subjects.count(Subject.VERIFICATION_COMPLETED) == 1
    assert subjects.count(Subject.TARGET_JOB) == 2
    trace_ids = set()
    for subject, headers, body in events:
        assert headers["Otv-Correlation-Id"] == "ci-run-42", subject
        assert headers["Otv-Verification-Id"] == "v1", subject
        trace_ids.add(headers["traceparent"].split("-")[1])
        assert "Authorization" not in headers
        assert key.encode() not in body
        assert key not in json.dumps(headers)
    assert len(trace_ids) == 1  # one verification, one trace


async def test_the_same_request_twice_gives_one_report(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    await stack.start()
    key = stack.admin_key
    request = request_for(repo.path, profiles_yaml())
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        client = VerificationClient(bus, key)
        await client.submit(request, "dup", "dup")
        await client.submit(request, "dup", "dup")  # same Nats-Msg-Id: dropped by the stream
        # And once more past the stream's de-duplication, as a redelivery after a crash would be.
        nc = await nats.connect(stack.operator_url)
        again = pb.VerificationRequested(
            meta=meta("dup.requested.again", "dup", "dup", "cli"), request=request
        )
        await nc.jetstream().publish(
            Subject.VERIFICATION_REQUESTED,
            again.SerializeToString(),
            headers={"Nats-Msg-Id": "dup.requested.again", "Authorization": f"Bearer {key}"},
        )
        await nc.close()
        for _ in range(300):
            status = await client.status("dup") if await _known(client, "dup") else None
            if status is not None and status.phase is Phase.COMPLETED:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # room for a second pipeline, if there were one
        report = json.loads(await client.report("dup"))
    finally:
        await bus.close()
    assert report["verdict"] == "warned"
    events = await stored_events(stack.operator_url)
    subjects = [subject for subject, _, _ in events]
    assert subjects.count(Subject.VERIFICATION_AUTHORIZED) == 1
    assert subjects.count(Subject.CONTEXT_COLLECTED) == 1
    assert subjects.count(Subject.TARGET_FINISHED) == 2
    assert subjects.count(Subject.VERIFICATION_COMPLETED) == 1
    assert subjects.count(Subject.VERIFICATION_REQUESTED) == 0
    nc = await nats.connect(stack.operator_url)
    try:
        reports = await nc.jetstream().object_store("otv_reports")
        names = sorted(info.name for info in await reports.list(ignore_deletes=True))
    finally:
        await nc.close()
    # One report, written by one writer (every other format is rendered from it).
    assert len(names) == 1
    assert names[0].startswith("dup/")
    assert names[0].endswith("/report.json")


async def _known(client: VerificationClient, vid: str) -> bool:
    try:
        await client.status(vid)
    except Exception:  # not folded yet
        return False
    return True


def test_an_unknown_key_is_rejected_with_its_reason_in_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    from otv.cli import main

    repo = two_target_repository(tmp_path / "repo")

    async def run_stack() -> tuple[int, str, int, str]:
        async with EmbeddedStack(settings) as stack:
            code = await asyncio.to_thread(
                main,
                [
                    "verify",
                    str(repo.path),
                    "-t",
                    "main",
                    "--server",
                    stack.url,
                    "--api-key",
                    new_key(),
                ],
            )
            err = capsys.readouterr().err
            vid = err.split()[2]
            status_code = await asyncio.to_thread(
                main, ["status", vid, "--server", stack.url, "--api-key", stack.admin_key]
            )
            return code, err, status_code, capsys.readouterr().out

    code, err, status_code, status_out = asyncio.run(run_stack())
    assert code == 2
    assert err.startswith("otv: verification ")
    assert err.endswith(
        " rejected (401): unknown API key; check the key given with --api-key or OTV_API_KEY\n"
    )
    assert status_code == 0
    assert ": rejected" in status_out
    assert "reason (401): unknown API key" in status_out


def test_four_service_processes_complete_a_verification(tmp_path: Path, nats_url: str) -> None:
    repo = two_target_repository(tmp_path / "repo")
    key, pepper = new_key(), "a pepper of thirty-two bytes, ok"
    auth_config = tmp_path / "auth.yaml"
    auth_config.write_text(
        f"version: 1\nkeys:\n  - {{id: {parse_key(key).id}, name: CI, role: run, "
        f"hash: '{key_hash(key, pepper.encode())}'}}\n"
    )
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml())
    env = {
        **os.environ,
        "OTV_SERVER": nats_url,
        "OTV_AUTH_CONFIG": str(auth_config),
        "OTV_CACHE_DIR": str(tmp_path / "cache"),
        "OTV_ALLOW_CLIENT_PROFILES": "true",
        "OTV_LOG_FORMAT": "json",
        "OTV_PEPPER": pepper,
        "OTV_API_KEY": key,
        "OTV_HEALTH_PORT": "0",
    }
    logs = {name: tmp_path / f"{name}.log" for name in ("auth", "collector", "runner", "reporter")}
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "otv", "serve", name],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for name, log in logs.items()
    }
    try:
        _wait_until_ready(logs)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "otv",
                "verify",
                str(repo.path),
                "--head",
                "feature",
                "-t",
                "main",
                "-t",
                "release/1.0",
                "--profiles",
                str(profiles),
                "--api-key",
                key,
                "--json",
            ],
            env={**env, "OTV_AUTH_CONFIG": ""},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["verdict"] == "warned"
        assert [t["verdict"] for t in report["targets"]] == ["passed", "warned"]
        status = subprocess.run(
            [sys.executable, "-m", "otv", "status", report["verification_id"], "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert json.loads(status.stdout)["phase"] == "completed"
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        codes = {name: process.wait(timeout=30) for name, process in processes.items()}
    assert codes == dict.fromkeys(processes, 0)
    for name, log in logs.items():
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert any(line["message"] == f"{name} is ready" for line in lines), name
        assert all(line["service"] == name for line in lines if line["logger"] != "otv.embedded"), (
            name
        )
        assert key not in log.read_text()
    # Each service wrote its log with the verification's ids on the lines about it.
    runner = [json.loads(line) for line in logs["runner"].read_text().splitlines()]
    finished = [line for line in runner if line["message"].startswith("target ")]
    assert {line["verification_id"] for line in finished} == {report["verification_id"]}
    assert all("trace_id" in line for line in finished)


def _wait_until_ready(logs: dict[str, Path], within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    for name, log in logs.items():
        while f'"{name} is ready"' not in log.read_text():
            assert time.monotonic() < deadline, f"{name} did not start: {log.read_text()}"
            time.sleep(0.05)
