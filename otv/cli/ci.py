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
    # The pull or merge request, when the run is for one.
    change_number: int = 0


def _correlation(*parts: str) -> str:
    return _UNSAFE.sub("-", "-".join(p for p in parts if p))[:64]


def _github_pull_request(env: Mapping[str, str]) -> tuple[str | None, int]:
    """The pull request's head commit (GITHUB_SHA is the merge GitHub made of it) and
    number, from the event that started the run."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None, 0
    try:
        event = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None, 0
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        return None, 0
    head = pull.get("head", {}).get("sha")
    number = pull.get("number")
    return (
        head if isinstance(head, str) and head else None,
        number if isinstance(number, int) else 0,
    )


def detect(env: Mapping[str, str]) -> CiRun | None:
    """The CI run this process is part of, if any."""
    if env.get("GITHUB_ACTIONS") == "true":
        base = env.get("GITHUB_BASE_REF", "")  # set for pull requests only
        head, number = _github_pull_request(env)
        return CiRun(
            name="GitHub Actions",
            head=head or env.get("GITHUB_SHA") or None,
            change_number=number,
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
            change_number=int(env.get("CI_MERGE_REQUEST_IID", "0") or 0)
            if env.get("CI_MERGE_REQUEST_IID", "").isdigit()
            else 0,
            head=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA") or None,
            targets=(target,) if target else (),
            correlation_id=_correlation(
                "gl", env.get("CI_PIPELINE_ID", ""), env.get("CI_JOB_ID", "")
            )
            if env.get("CI_PIPELINE_ID")
            else None,
        )
    return None
