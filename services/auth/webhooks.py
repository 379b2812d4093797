"""What a git host's webhook asks for: checked, and turned into a verification request.

GitHub signs the body with the repository's secret (``X-Hub-Signature-256``);
GitLab sends the secret itself (``X-Gitlab-Token``). Both are compared in
constant time. Which repository a delivery is about, and with what profile,
targets and publishers it is verified, is the repositories file's to say.

- a pull request (opened, synchronized, reopened, ready for review) or a merge
  request (opened, reopened, updated with new commits): its head against the
  repository's targets, or its base branch when the repository names none;
- a push to a branch that is not itself a target: against the targets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from otv.repositories import RepositoriesFile, RepositoryConfig
from otv.v1 import events_pb2 as pb

MAX_BODY_BYTES = 10 * 1024 * 1024
_PULL_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}
_MERGE_ACTIONS = {"open", "reopen", "update"}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


class WebhookRefused(Exception):
    """The delivery is refused: an HTTP status and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    host: str  # github, gitlab
    delivery_id: str
    event: str
    payload: dict[str, Any]
    repository: RepositoryConfig


@dataclass(frozen=True)
class Verification:
    """What a delivery asks to verify; ``None`` fields mean: nothing to do."""

    request: pb.VerificationRequest
    verification_id: str
    correlation_id: str


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRefused(400, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "the body is not a JSON object")
    return payload


def _secret(repository: RepositoryConfig) -> bytes:
    if repository.webhook_secret_file is None:
        raise WebhookRefused(403, "webhooks are not enabled for this repository")
    try:
        secret = repository.webhook_secret_file.read_bytes().strip()
    except OSError:
        raise WebhookRefused(503, "the webhook secret cannot be read") from None
    if not secret:
        raise WebhookRefused(503, "the webhook secret is empty")
    return secret


def _repository(repositories: RepositoriesFile, name: object) -> RepositoryConfig:
    if not isinstance(name, str) or not name:
        raise WebhookRefused(400, "the payload names no repository")
    found = repositories.by_name(name)
    if found is None:
        raise WebhookRefused(404, f"no repository {name[:200]!r} is configured")
    return found


def github_delivery(
    repositories: RepositoriesFile, headers: dict[str, str], body: bytes
) -> Delivery:
    """A GitHub delivery whose signature is the repository's; ``WebhookRefused`` if not."""
    delivery_id = headers.get("x-github-delivery", "")
    if not delivery_id:
        raise WebhookRefused(400, "no X-GitHub-Delivery header")
    payload = _payload(body)
    repository = _repository(repositories, (payload.get("repository") or {}).get("full_name"))
    signature = headers.get("x-hub-signature-256", "")
    if not signature:
        raise WebhookRefused(401, "no X-Hub-Signature-256 header: set the webhook's secret")
    expected = "sha256=" + hmac.new(_secret(repository), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise WebhookRefused(401, "the signature does not match the repository's secret")
    return Delivery("github", delivery_id, headers.get("x-github-event", ""), payload, repository)


def gitlab_delivery(
    repositories: RepositoriesFile, headers: dict[str, str], body: bytes
) -> Delivery:
    """A GitLab delivery carrying the repository's token; ``WebhookRefused`` if not."""
    delivery_id = headers.get("x-gitlab-event-uuid") or headers.get("idempotency-key") or ""
    if not delivery_id:
        raise WebhookRefused(400, "no X-Gitlab-Event-UUID header")
    payload = _payload(body)
    project = payload.get("project") or {}
    repository = _repository(repositories, project.get("path_with_namespace"))
    token = headers.get("x-gitlab-token", "")
    if not token:
        raise WebhookRefused(401, "no X-Gitlab-Token header: set the webhook's secret token")
    if not hmac.compare_digest(token.encode(), _secret(repository)):
        raise WebhookRefused(401, "the token is not the repository's secret")
    return Delivery("gitlab", delivery_id, headers.get("x-gitlab-event", ""), payload, repository)


def _ids(delivery: Delivery) -> tuple[str, str]:
    """A verification id the same for the same delivery (a retry is one verification)."""
    digest = hashlib.sha256(f"{delivery.host}\0{delivery.delivery_id}".encode()).hexdigest()
    correlation = _ID_UNSAFE.sub("-", f"{delivery.host}-{delivery.delivery_id}")[:64]
    return digest[:32], correlation


def _request(delivery: Delivery, head: str, targets: list[str], change: int) -> Verification:
    repository = delivery.repository
    request = pb.VerificationRequest(
        repository=repository.url,
        head=head,
        targets=targets,
        profile=repository.profile,
        client=f"otv-webhook/{delivery.host}",
        change_number=change,
    )
    vid, correlation = _ids(delivery)
    return Verification(request, vid, correlation)


def _pull_request(delivery: Delivery) -> Verification | None:
    payload = delivery.payload
    if payload.get("action") not in _PULL_ACTIONS:
        return None
    pull = payload.get("pull_request") or {}
    head, base = pull.get("head", {}).get("sha"), pull.get("base", {}).get("ref")
    if not isinstance(head, str) or not isinstance(base, str):
        raise WebhookRefused(400, "the pull request has no head or base")
    targets = delivery.repository.targets or [base]
    return _request(delivery, head, targets, int(pull.get("number") or 0))


def _merge_request(delivery: Delivery) -> Verification | None:
    attributes = delivery.payload.get("object_attributes") or {}
    action = attributes.get("action")
    if action not in _MERGE_ACTIONS or (action == "update" and "oldrev" not in attributes):
        return None  # an update without new commits: a title, a label
    head = (attributes.get("last_commit") or {}).get("id")
    base = attributes.get("target_branch")
    if not isinstance(head, str) or not isinstance(base, str):
        raise WebhookRefused(400, "the merge request has no head or target branch")
    targets = delivery.repository.targets or [base]
    return _request(delivery, head, targets, int(attributes.get("iid") or 0))


def _push(delivery: Delivery) -> Verification | None:
    payload, repository = delivery.payload, delivery.repository
    branch = str(payload.get("ref", "")).removeprefix("refs/heads/")
    head = payload.get("after") or payload.get("checkout_sha")
    if not repository.targets or repository.wants_target(branch) or not isinstance(head, str):
        return None  # nothing to merge: no targets, or a push to a target itself
    if set(head) == {"0"}:
        return None  # the branch was deleted
    return _request(delivery, head, list(repository.targets), 0)


_KINDS = {
    ("github", "pull_request"): _pull_request,
    ("gitlab", "Merge Request Hook"): _merge_request,
    ("github", "push"): _push,
    ("gitlab", "Push Hook"): _push,
}


def verification_for(delivery: Delivery) -> Verification | None:
    """The verification a delivery asks for, or None when it asks for none (a ping,
    a closed pull request, a label changed)."""
    kind = _KINDS.get((delivery.host, delivery.event))
    return kind(delivery) if kind is not None else None
