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


class DiagnosisReport(_Model):
    """Why a scenario did not pass: ``failure`` (a problem found), ``infra`` (could not
    check), ``error`` (the scenario type broke)."""

    kind: Literal["failure", "infra", "error"]
    exit_code: int | None = None
    output: str = ""
    expected: str = ""


class ScenarioReport(_Model):
    id: str
    type: str
    severity: Severity
    outcome: Outcome
    duration_s: float
    message: str
    cached: bool = False
    attempts: int = 1
    flaky: bool = False
    diagnosis: DiagnosisReport | None = None


class MergeReport(_Model):
    mergeable: bool
    merge_base: str
    conflicts: list[str]
    tree: str


class DependencyReport(_Model):
    ecosystem: str
    name: str
    version: str = ""
    specifier: str = ""
    source: str = ""
    direct: bool = True


class DriftReport(_Model):
    ecosystem: str
    name: str
    change: Literal["added", "removed", "changed"]
    head_version: str = ""
    target_version: str = ""
    direction: str = ""


class ConfigFileReport(_Model):
    path: str
    format: str
    valid: bool
    sha256: str
    error: str = ""
    line: int = 0
    column: int = 0
    schema_: str = Field(default="", alias="schema")
    schema_errors: list[str] = Field(default_factory=list)


class ProbeReport(_Model):
    id: str
    type: str
    target: str
    ok: bool
    latency_ms: float
    detail: str = ""
    error: str = ""


class FindingReport(_Model):
    path: str
    kind: str
    message: str


class ChangedFileReport(_Model):
    path: str
    status: str
    old_path: str = ""


class TargetContextReport(_Model):
    """Why this target may behave differently: its history, dependencies, configuration, probes."""

    ahead: int = 0
    behind: int = 0
    changed_files: list[ChangedFileReport] = Field(default_factory=list)
    changed_files_total: int = 0
    dependencies: list[DependencyReport] = Field(default_factory=list)
    drift: list[DriftReport] = Field(default_factory=list)
    config_files: list[ConfigFileReport] = Field(default_factory=list)
    probes: list[ProbeReport] = Field(default_factory=list)
    findings: list[FindingReport] = Field(default_factory=list)


class EnvironmentReport(_Model):
    os: str = ""
    variables: dict[str, str] = Field(default_factory=dict)
    variable_names: list[str] = Field(default_factory=list)
    tools: dict[str, str] = Field(default_factory=dict)


class VerificationContextReport(_Model):
    environment: EnvironmentReport = Field(default_factory=EnvironmentReport)
    head_dependencies: list[DependencyReport] = Field(default_factory=list)
    findings: list[FindingReport] = Field(default_factory=list)


class TargetReport(_Model):
    name: str
    sha: str
    verdict: Verdict
    merge: MergeReport
    scenarios: list[ScenarioReport]
    context: TargetContextReport | None = None


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
    context: VerificationContextReport | None = None

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: str | bytes) -> Report:
        return cls.model_validate_json(data)
