"""What a CI run says about the change: head, target branches, a correlation id.

Inside GitHub Actions or GitLab CI, ``otv verify`` takes these from the CI's own
variables when the command line does not give them, so a pipeline step can be
just ``otv verify``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


@dataclass(frozen=True)
class CiRun:
    name: str
    head: str | None = None
    targets: tuple[str, ...] = field(default_factory=tuple)
    correlation_id: str | None = None


def _correlation(*parts: str) -> str:
    return _UNSAFE.sub("-", "-".join(p for p in parts if p))[:64]


def _github_pull_request_head(env: Mapping[str, str]) -> str | None:
    """The pull request's head commit: GITHUB_SHA is the merge GitHub made of it."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    head = event.get("pull_request", {}).get("head", {}).get("sha")
    return head if isinstance(head, str) and head else None


def detect(env: Mapping[str, str]) -> CiRun | None:
    """The CI run this process is part of, if any."""
    if env.get("GITHUB_ACTIONS") == "true":
        base = env.get("GITHUB_BASE_REF", "")  # set for pull requests only
        return CiRun(
            name="GitHub Actions",
            head=_github_pull_request_head(env) or env.get("GITHUB_SHA") or None,
            targets=(base,) if base else (),
            correlation_id=_correlation(
                "gh", env.get("GITHUB_RUN_ID", ""), env.get("GITHUB_RUN_ATTEMPT", "")
            )
            if env.get("GITHUB_RUN_ID")
            else None,
        )
    if env.get("GITLAB_CI") == "true":
        target = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "")  # merge request pipelines
        return CiRun(
            name="GitLab CI",
            head=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA") or None,
            targets=(target,) if target else (),
            correlation_id=_correlation(
                "gl", env.get("CI_PIPELINE_ID", ""), env.get("CI_JOB_ID", "")
            )
            if env.get("CI_PIPELINE_ID")
            else None,
        )
    return None
