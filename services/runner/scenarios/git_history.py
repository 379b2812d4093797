"""``git``: the change's commits and branch follow the project's rules.

```yaml
- id: commits
  type: git
  message_matches: "^(feat|fix|docs|chore|refactor|test)(\\\\(.+\\\\))?: "   # each subject
  max_subject_length: 72
  signoff: true                        # each commit has a Signed-off-by trailer
  branch_matches: "^(feature|fix)/"    # the head's branch name
  merges: forbid                       # no merge commits in the change
```

The commits are those the head has and the target lacks.
"""

from __future__ import annotations

import asyncio
import re
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.git.command import run_git
from otv.scenarios import ScenarioContext, ScenarioOutput, could_not_check, failed, passed
from otv.scenarios.paths import regex

_MAX_COMMITS = 1000
_LISTED = 10


class GitConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    message_matches: str | None = None
    max_subject_length: int | None = Field(default=None, ge=10)
    signoff: bool = False
    branch_matches: str | None = None
    merges: Literal["allow", "forbid"] = "allow"

    @field_validator("message_matches", "branch_matches")
    @classmethod
    def _pattern(cls, pattern: str | None) -> str | None:
        return regex(pattern) if pattern is not None else None


class GitScenario:
    config_model: ClassVar[type[BaseModel]] = GitConfig
    requires_worktree: ClassVar[bool] = False

    def cache_inputs(self, config: GitConfig, context: ScenarioContext) -> str:
        return f"{context.head_ref} {context.head_sha} {context.target.sha}"

    async def run(self, config: GitConfig, context: ScenarioContext) -> ScenarioOutput:
        problems = []
        if config.branch_matches is not None:
            branch = context.head_ref.removeprefix("refs/heads/")
            if not re.search(config.branch_matches, branch):
                problems.append(f"branch {branch!r} does not match /{config.branch_matches}/")
        if context.repository is None:
            return could_not_check("the repository's history is not available on this runner")
        commits = await asyncio.to_thread(_commits, context)
        if commits is None:
            return could_not_check("git could not list the change's commits")
        for sha, subject, body, parents in commits:
            short = sha[:10]
            if config.message_matches and not re.search(config.message_matches, subject):
                problems.append(f"{short} {subject!r} does not match /{config.message_matches}/")
            if config.max_subject_length and len(subject) > config.max_subject_length:
                problems.append(
                    f"{short} subject has {len(subject)} characters; at most "
                    f"{config.max_subject_length}"
                )
            if config.signoff and not re.search(r"^Signed-off-by: .+", body, re.MULTILINE):
                problems.append(f"{short} {subject!r} has no Signed-off-by")
            if config.merges == "forbid" and len(parents) > 1:
                problems.append(f"{short} is a merge commit")
        if problems:
            shown = "\n".join(problems[:_LISTED])
            more = f"\n... and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
            return failed(f"{len(problems)} problem(s) in the change's history:\n{shown}{more}")
        return passed(f"{len(commits)} commit{'s' if len(commits) != 1 else ''} follow the rules")


def _commits(context: ScenarioContext) -> list[tuple[str, str, str, list[str]]] | None:
    assert context.repository is not None
    base = context.target.sha
    span = f"{base}..{context.head_sha}"
    result = run_git(
        context.repository,
        "log",
        f"--max-count={_MAX_COMMITS}",
        "--format=%H%x00%s%x00%b%x00%P%x1e",
        span,
        timeout_s=context.timeout_s,
    )
    if not result.ok:
        return None
    commits = []
    for record in result.stdout.split("\x1e"):
        fields = record.strip("\n").split("\x00")
        if len(fields) == 4:
            commits.append((fields[0], fields[1], fields[2], fields[3].split()))
    return commits
