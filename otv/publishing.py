"""Publishers: plugins that show a verification's outcome on a git host.

A publisher is a class registered under the entry-point group
``otv.publishers``, with a pydantic ``config_model`` for its fields in the
repositories file, and a synchronous ``publish`` (the host libraries are
synchronous; the reporter runs it in a thread). It returns what it did, or
raises ``PublishError``; a failure never changes a verdict.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from otv.errors import OtvError, UsageError
from otv.outcomes import Outcome, Severity, Verdict
from otv.redaction import redact
from otv.report import Report
from otv.repositories import PublisherConfig, read_secret

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "otv.publishers"
# Marks the one comment otv keeps on a pull or merge request, updated in place.
COMMENT_MARKER = "<!-- otv:verification-report -->"
# GitHub refuses a comment or check summary over 65,536 characters.
MAX_BODY = 65_000


class HostConfig(BaseModel):
    """What every publisher's configuration has: its token, retries and timeout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_file: str | None = None
    token_env: str | None = None
    retries: int = Field(default=5, ge=0, le=10)
    timeout_s: float = Field(default=15, gt=0, le=300)

    def token(self, what: str) -> str:
        """The token, from its file (a mounted Secret) or its environment variable."""
        return read_secret(Path(self.token_file) if self.token_file else None, self.token_env, what)


def host_of(url: str) -> str:
    """The host a URL names, for logs, reports and metric labels."""
    return urlsplit(url).hostname or url


class PublishError(OtvError):
    """Publishing failed; the message is one line, and never holds a token."""


def host_said(text: str, token: str, limit: int = 200) -> str:
    """What a host answered, fit for a log and a report: one line, redacted, and without
    the token itself, which a host may echo back."""
    return redact(" ".join(text.split())).replace(token, "[redacted]")[:limit]


@dataclass(frozen=True)
class PublishRequest:
    report: Report
    # The report as Markdown, for comments and check summaries.
    markdown: str
    # The pull or merge request, when known (0: none).
    change_number: int = 0
    # Where a person can read the whole report, if the deployment has such a page.
    details_url: str = ""


@dataclass(frozen=True)
class Published:
    host: str
    detail: str
    url: str = ""


class Publisher(Protocol):
    config_model: type[BaseModel]

    def publish(self, config: BaseModel, request: PublishRequest) -> Published: ...


class PublisherRegistry:
    def __init__(self, publishers: dict[str, Publisher]) -> None:
        self._publishers = publishers

    @classmethod
    def from_entry_points(cls) -> PublisherRegistry:
        found: dict[str, Publisher] = {}
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                found[entry_point.name] = entry_point.load()()
            except Exception as exc:  # a broken plugin must not take the others down
                log.warning("publisher %r failed to load: %s", entry_point.name, exc)
        return cls(found)

    def names(self) -> list[str]:
        return sorted(self._publishers)

    def resolve(self, config: PublisherConfig) -> tuple[Publisher, BaseModel]:
        """The publisher for ``config`` and its validated fields."""
        publisher = self._publishers.get(config.type)
        if publisher is None:
            raise UsageError(
                f"unknown publisher {config.type!r} (publishers: {', '.join(self.names())})"
            )
        try:
            return publisher, publisher.config_model.model_validate(config.fields())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or config.type
            raise UsageError(f"publisher {config.type}: {where}: {first['msg']}") from None


def status_context(report: Report, target: str) -> str:
    """The name a commit status goes by: one per profile and target."""
    return f"otv/{report.profile} ({target})"


def target_summary(report: Report, target: str) -> str:
    """A commit status's description: at most 140 characters."""
    found = next(t for t in report.targets if t.name == target)
    failed = [s.id for s in found.scenarios if s.outcome in (Outcome.FAILED, Outcome.ERRORED)]
    count = len(found.scenarios)
    text = f"{found.verdict}: {count} scenario{'' if count == 1 else 's'}"
    if failed:
        text += f", not passed: {', '.join(failed)}"
    return text[:140]


@dataclass(frozen=True)
class Annotation:
    path: str
    line: int
    level: str  # failure, warning, notice (GitHub's words)
    title: str
    message: str


def annotations_of(report: Report) -> list[Annotation]:
    """One per place a scenario that did not pass points at, on every target."""
    found = []
    for target in report.targets:
        for scenario in target.scenarios:
            if scenario.outcome not in (Outcome.FAILED, Outcome.ERRORED):
                continue
            diagnosis = scenario.diagnosis
            level = "failure" if scenario.severity is Severity.BLOCKING else "warning"
            for location in diagnosis.locations if diagnosis else []:
                found.append(
                    Annotation(
                        path=location.path,
                        line=max(1, location.line),
                        level=level,
                        title=f"{scenario.id} on {target.name}",
                        message=scenario.message[:60_000] or scenario.outcome.value,
                    )
                )
    return found


def comment_body(request: PublishRequest) -> str:
    """The pull-request comment: the marker, then the Markdown report, within the limit."""
    body = f"{COMMENT_MARKER}\n{request.markdown}"
    if len(body) > MAX_BODY:
        body = body[: MAX_BODY - 60] + "\n\n… (cut: the whole report is in otv)"
    return body


def headline(report: Report) -> str:
    meaning = {
        Verdict.PASSED: "every scenario passed",
        Verdict.WARNED: "warnings only; nothing blocks the merge",
        Verdict.FAILED: "a blocking scenario failed",
        Verdict.ERRORED: "otv could not decide",
    }
    return f"otv {report.profile}: {report.verdict} — {meaning[report.verdict]}"
