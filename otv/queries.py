"""What the status API is asked and what it answers (JSON over NATS request/reply)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import Outcome, Verdict

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
ReportFormat = Literal["json", "markdown", "junit", "sarif", "html", "tap", "agent"]
REPORT_FORMATS: tuple[ReportFormat, ...] = (
    "json",
    "markdown",
    "junit",
    "sarif",
    "html",
    "tap",
    "agent",
)
DEFAULT_AGENT_TOKENS = 2000
# The file each format is written to (``otv verify --out``, ``otv report --out``).
REPORT_FILES: dict[ReportFormat, str] = {
    "json": "report.json",
    "markdown": "report.md",
    "junit": "junit.xml",
    "sarif": "report.sarif",
    "html": "report.html",
    "tap": "report.tap",
    "agent": "agent.txt",
}


class Phase(StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    COLLECTING = "collecting"
    RUNNING = "running"
    COMPLETED = "completed"
    ERRORED = "errored"
    REVIEWED = "reviewed"

    @property
    def terminal(self) -> bool:
        """The verification is over: nothing it runs can change its verdict any more."""
        return self in (Phase.REJECTED, Phase.COMPLETED, Phase.ERRORED, Phase.REVIEWED)


REPORT_MEDIA_TYPES: dict[ReportFormat, str] = {
    "json": "application/json",
    "markdown": "text/markdown",
    "junit": "application/xml",
    "sarif": "application/sarif+json",
    "html": "text/html",
    "tap": "text/plain",
    "agent": "text/plain",
}


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusQuery(_Query):
    verification_id: str = Field(pattern=ID_PATTERN)


class ReportQuery(_Query):
    verification_id: str = Field(pattern=ID_PATTERN)
    format: ReportFormat = "json"
    # For the agent format: the most the summary may take, in tokens of ~4 characters.
    max_tokens: int = Field(default=DEFAULT_AGENT_TOKENS, ge=100, le=100_000)


class ListQuery(_Query):
    verdict: Verdict | None = None
    # The repository as it was requested (a path or URL), exactly.
    repository: str | None = Field(default=None, max_length=2048)
    # ISO 8601: only verifications started at or after this time.
    since: str | None = Field(default=None, max_length=40)
    limit: int = Field(default=50, ge=1, le=1000)


class WatchQuery(_Query):
    # None: every verification, from now on, until the client goes.
    verification_id: str | None = Field(default=None, pattern=ID_PATTERN)
    # Where the reporter sends progress: an inbox the client (or the gRPC edge) listens on.
    deliver_to: str = Field(pattern=r"^_INBOX(_auth)?\.[A-Za-z0-9_\-.]{1,200}$")


class ReviewQuery(_Query):
    verification_id: str = Field(pattern=ID_PATTERN)
    # True: a failed verification is waived, and its verdict becomes warned.
    waive: bool = False
    reason: str = Field(min_length=1, max_length=2000)


class TargetProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    finished: bool
    verdict: Verdict | None = None
    scenarios_finished: int = 0


class VerificationStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    verification_id: str
    correlation_id: str
    phase: Phase
    verdict: Verdict | None = None
    # Why it was rejected or errored; empty otherwise.
    reason: str = ""
    # For a rejection: "401", "403" or "400"; for an error: its kind.
    reason_code: str = ""
    repository: str = ""
    head: str = ""
    profile: str = ""
    targets: list[TargetProgress] = Field(default_factory=list)
    started_at: str = ""
    updated_at: str = ""
    # Who reviewed it, when it was reviewed.
    reviewed_by: str = ""
    waived: bool = False


class VerificationSummary(BaseModel):
    """One line of ``otv list``."""

    model_config = ConfigDict(frozen=True)

    verification_id: str
    phase: Phase
    verdict: Verdict | None = None
    repository: str
    head: str
    profile: str
    targets: list[str]
    started_at: str
    finished_at: str = ""


class VerificationList(BaseModel):
    model_config = ConfigDict(frozen=True)

    verifications: list[VerificationSummary]
    # How many matched in all, of which ``verifications`` are the newest.
    total: int


class ScenarioProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: str
    scenario: str
    outcome: Outcome
    duration_s: float
    message: str = ""


class WatchUpdate(BaseModel):
    """What ``watch`` sends after each change: the status, and the results that are new."""

    model_config = ConfigDict(frozen=True)

    status: VerificationStatus
    finished: list[ScenarioProgress] = Field(default_factory=list)


class WatchAllUpdate(BaseModel):
    """What a watch of every verification sends: a change; nothing (a heartbeat, sent
    when nothing changed for a while); or ``renew``: this watch ends, ask again."""

    model_config = ConfigDict(frozen=True)

    update: WatchUpdate | None = None
    renew: bool = False
