"""Webhook ingress end to end: a signed delivery is accepted once and becomes a
verification with the mapped profile and targets; a bad or missing signature, a wrong
token and a replay are refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import GitRepo, two_target_repository

from otv.auth_messages import CreatedKey, CreateKey
from otv.bus import Bus
from otv.bus.subjects import ApiSubject
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.queries import Phase
from otv.settings import Settings
from otv.telemetry import Telemetry

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
async def ingress(
    settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[EmbeddedStack, GitRepo]]:
    repo = two_target_repository(tmp_path / "repo")
    (repo.path / ".otv").mkdir()
    (repo.path / ".otv" / "profiles.yaml").write_text(
        "version: 1\nprofiles:\n  quick:\n    scenarios:\n"
        "      - {id: mergeable, type: merge, severity: warning}\n"
    )
    repo.git("add", ".otv")
    repo.git("commit", "-qm", "profiles")
    repo.git("branch", "-f", "feature", "HEAD")  # the feature carries the profiles too
    secret = tmp_path / "webhook-secret"
    secret.write_text(SECRET + "\n")
    key_file = tmp_path / "webhook.key"
    repositories = tmp_path / "repositories.yaml"
    repositories.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "repositories": [
                    {"url": str(repo.path), "name": "acme/deploy", "profile": "quick",
                     "webhook_secret_file": str(secret), "webhook_api_key_file": str(key_file)},
                    {"url": str(repo.path), "name": "acme/app", "profile": "quick",
                     "targets": ["main", "release/*"], "webhook_secret_file": str(secret),
                     "webhook_api_key_file": str(key_file)},
                ],
            }
        )
    )  # fmt: skip
    configured = settings.model_copy(update={"repositories_file": repositories, "webhook_port": 0})
    async with EmbeddedStack(configured, store_dir=tmp_path / "store") as stack:
        bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
        try:
            query = CreateKey(name="webhooks", role="run").model_dump_json().encode()
            reply = await VerificationClient(bus, stack.admin_key).request(
                ApiSubject.KEYS_CREATE, query
            )
        finally:
            await bus.close()
        key_file.write_text(CreatedKey.model_validate_json(reply).key)
        yield stack, repo


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310  (loopback)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def pull_request(repo: GitRepo, name: str = "acme/deploy", number: int = 42) -> bytes:
    return json.dumps(
        {
            "action": "opened",
            "number": number,
            "pull_request": {
                "number": number,
                "head": {"sha": repo.rev("feature"), "ref": "feature"},
                "base": {"ref": "main"},
            },
            "repository": {"full_name": name},
        }
    ).encode()


def signed(body: bytes, delivery: str, event: str = "pull_request") -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": f"sha256={digest}",
    }


async def ended(stack: EmbeddedStack, vid: str) -> Any:
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        client = VerificationClient(bus, stack.admin_key)
        for _ in range(200):
            try:
                status = await client.status(vid)
            except Exception:  # not folded yet
                status = None
            if status is not None and status.phase.terminal:
                return status
            await asyncio.sleep(0.05)
    finally:
        await bus.close()
    raise AssertionError(f"{vid} did not end")


async def test_a_signed_pull_request_is_verified_once_with_the_mapped_profile(
    ingress: tuple[EmbeddedStack, GitRepo],
) -> None:
    stack, repo = ingress
    url = stack.webhook_address + "/webhooks/github"
    body = pull_request(repo)
    code, answer = await asyncio.to_thread(post, url, body, signed(body, "d-1"))
    assert code == 202, answer
    status = await ended(stack, answer["verification_id"])
    assert status.phase is Phase.COMPLETED
    assert status.profile == "quick"
    assert [t.name for t in status.targets] == ["main"]  # the pull request's base
    assert status.correlation_id == answer["correlation_id"] == "github-d-1"
    # The same delivery again is a replay, refused.
    code, again = await asyncio.to_thread(post, url, body, signed(body, "d-1"))
    assert code == 409 and "already received" in again["error"]


async def test_a_repository_with_targets_verifies_against_them(
    ingress: tuple[EmbeddedStack, GitRepo],
) -> None:
    stack, repo = ingress
    body = pull_request(repo, name="acme/app", number=7)
    url = stack.webhook_address + "/webhooks/github"
    code, answer = await asyncio.to_thread(post, url, body, signed(body, "d-2"))
    assert code == 202
    status = await ended(stack, answer["verification_id"])
    assert [t.name for t in status.targets] == ["main", "release/1.0"]


async def test_forged_missing_and_unknown_deliveries_are_refused(
    ingress: tuple[EmbeddedStack, GitRepo],
) -> None:
    stack, repo = ingress
    url = stack.webhook_address + "/webhooks/github"
    body = pull_request(repo)
    headers = signed(body, "d-3")
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert (await asyncio.to_thread(post, url, body, forged))[0] == 401
    missing = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    code, answer = await asyncio.to_thread(post, url, body, missing)
    assert code == 401 and "X-Hub-Signature-256" in answer["error"]
    tampered = body.replace(b'"main"', b'"release/1.0"')
    assert (await asyncio.to_thread(post, url, tampered, headers))[0] == 401
    other = pull_request(repo, name="evil/repo")
    code, answer = await asyncio.to_thread(post, url, other, signed(other, "d-4"))
    assert code == 404 and "evil/repo" in answer["error"]
    # A refused delivery is not remembered: the genuine one is still accepted.
    assert (await asyncio.to_thread(post, url, body, headers))[0] == 202
    assert SECRET not in json.dumps(answer)


async def test_gitlab_merge_requests_need_the_secret_token(
    ingress: tuple[EmbeddedStack, GitRepo],
) -> None:
    stack, repo = ingress
    url = stack.webhook_address + "/webhooks/gitlab"
    body = json.dumps(
        {
            "object_kind": "merge_request",
            "project": {"path_with_namespace": "acme/deploy"},
            "object_attributes": {
                "action": "open",
                "iid": 5,
                "target_branch": "main",
                "last_commit": {"id": repo.rev("feature")},
            },
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Merge Request Hook",
        "X-Gitlab-Event-UUID": "g-1",
        "X-Gitlab-Token": SECRET,
    }
    wrong = {**headers, "X-Gitlab-Token": "not-the-secret"}
    assert (await asyncio.to_thread(post, url, body, wrong))[0] == 401
    code, answer = await asyncio.to_thread(post, url, body, headers)
    assert code == 202
    status = await ended(stack, answer["verification_id"])
    assert status.phase is Phase.COMPLETED and [t.name for t in status.targets] == ["main"]
    assert (await asyncio.to_thread(post, url, body, headers))[0] == 409


async def test_events_that_ask_for_nothing_are_acknowledged_and_ignored(
    ingress: tuple[EmbeddedStack, GitRepo],
) -> None:
    stack, repo = ingress
    url = stack.webhook_address + "/webhooks/github"
    closed = json.loads(pull_request(repo))
    closed["action"] = "closed"
    body = json.dumps(closed).encode()
    code, answer = await asyncio.to_thread(post, url, body, signed(body, "d-5"))
    assert code == 200 and "nothing to verify" in answer["ignored"]
    ping = json.dumps({"zen": "hi", "repository": {"full_name": "acme/deploy"}}).encode()
    code, answer = await asyncio.to_thread(post, url, ping, signed(ping, "d-6", "ping"))
    assert code == 200
