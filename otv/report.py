"""The report of a verification: ``otv.report/v1``.

Stable from its first version: later versions add fields, never rename one.
The reporter builds it; the CLI and any other consumer read it.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import Outcome, Severity, Verdict

REPORT_SCHEMA: Final = "otv.report/v1"
# Where the JSON Schema of the report is kept, generated from these models (``make schemas``).
SCHEMA_FILE: Final = "schemas/otv.report.v1.schema.json"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class LocationReport(_Model):
    """A place in a file: a path relative to the repository (or the profiles file), a line."""

    path: str
    line: int = 0
    column: int = 0


class DiagnosisReport(_Model):
    """Why a scenario did not pass: ``failure`` (a problem found), ``infra`` (could not
    check), ``error`` (the scenario type broke)."""

    kind: Literal["failure", "infra", "error"]
    exit_code: int | None = None
    output: str = ""
    expected: str = ""
    # Where the problem is, when the check knows.
    locations: list[LocationReport] = Field(default_factory=list)


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
    # Where the profile defines the scenario.
    defined_at: LocationReport | None = None


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
    # How long the runner took over this target, and which runner it was ("runner@host/pid").
    duration_s: float = 0.0
    runner: str = ""


class HeadReport(_Model):
    ref: str
    sha: str


class ErrorReport(_Model):
    kind: Literal["configuration", "infrastructure"]
    stage: str
    reason: str


class ReviewReport(_Model):
    """A reviewer's decision: who (a key's id and name, never a secret), when, and why."""

    key_id: str
    key_name: str = ""
    reviewed_at: str
    reason: str
    waived: bool
    # The verdict before the review; a waived failure becomes ``warned``.
    verdict_before: Verdict


class PublishingReport(_Model):
    """What publishing to a git host gave; a failure here never changes the verdict."""

    publisher: str
    host: str
    ok: bool
    detail: str
    url: str = ""
    # The phase published: completed, errored or reviewed.
    round: str = ""


class Report(_Model):
    report_schema: Literal["otv.report/v1"] = Field(default=REPORT_SCHEMA, alias="schema")
    verification_id: str
    correlation_id: str
    verdict: Verdict
    repo: str
    head: HeadReport
    profile: str
    profile_source: str = ""
    # What fails the verification: "blocking" scenarios only (fail-safe), or any ("warning").
    fail_on: Literal["blocking", "warning"] = "blocking"
    targets: list[TargetReport]
    started_at: str
    finished_at: str
    duration_s: float = 0.0
    error: ErrorReport | None = None
    context: VerificationContextReport | None = None
    review: ReviewReport | None = None
    publishing: list[PublishingReport] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: str | bytes) -> Report:
        return cls.model_validate_json(data)


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema every ``otv.report/v1`` document is valid against."""
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://otv.dev/schemas/otv.report.v1.schema.json",
        "title": "otv.report/v1",
        "description": "The report of one otv verification.",
        **{key: value for key, value in schema.items() if key != "title"},
    }


if __name__ == "__main__":
    import json
    import sys

    sys.stdout.write(json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n")
