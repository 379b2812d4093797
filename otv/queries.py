"""What the status API is asked and what it answers (JSON over NATS request/reply)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import Verdict

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
ReportFormat = Literal["json", "markdown"]


class Phase(StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    RUNNING = "running"
    COMPLETED = "completed"
    ERRORED = "errored"

    @property
    def terminal(self) -> bool:
        return self in (Phase.REJECTED, Phase.COMPLETED, Phase.ERRORED)


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verification_id: str = Field(pattern=ID_PATTERN)


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verification_id: str = Field(pattern=ID_PATTERN)
    format: ReportFormat = "json"


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
    updated_at: str = ""
