"""The report of a verification: ``otv.report/v1``.

Stable from its first version: later versions add fields, never rename one.
The reporter builds it; the CLI and any other consumer read it.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import Outcome, Severity, Verdict

REPORT_SCHEMA: Final = "otv.report/v1"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class ScenarioReport(_Model):
    id: str
    type: str
    severity: Severity
    outcome: Outcome
    duration_s: float
    message: str
    cached: bool = False
    attempts: int = 1


class MergeReport(_Model):
    mergeable: bool
    merge_base: str
    conflicts: list[str]
    tree: str


class TargetReport(_Model):
    name: str
    sha: str
    verdict: Verdict
    merge: MergeReport
    scenarios: list[ScenarioReport]


class HeadReport(_Model):
    ref: str
    sha: str


class ErrorReport(_Model):
    kind: Literal["configuration", "infrastructure"]
    stage: str
    reason: str


class Report(_Model):
    report_schema: Literal["otv.report/v1"] = Field(default=REPORT_SCHEMA, alias="schema")
    verification_id: str
    correlation_id: str
    verdict: Verdict
    repo: str
    head: HeadReport
    profile: str
    profile_source: str = ""
    targets: list[TargetReport]
    started_at: str
    finished_at: str
    error: ErrorReport | None = None

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: str | bytes) -> Report:
        return cls.model_validate_json(data)
