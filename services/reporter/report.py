"""Building the report of a verification from its state."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from otv.outcomes import Verdict
from otv.report import (
    ErrorReport,
    HeadReport,
    MergeReport,
    Report,
    ReviewReport,
    ScenarioReport,
    TargetReport,
)
from services.reporter.state import TargetState, VerificationState


def build_report(state: VerificationState) -> Report:
    """The report of a completed, errored or reviewed verification."""
    targets = [state.targets[name] for name in state.target_names() if name in state.targets]
    error = None
    if state.error is not None:
        kind = cast(Literal["configuration", "infrastructure"], state.error.kind)
        error = ErrorReport(kind=kind, stage=state.error.stage, reason=state.error.reason)
    review = None
    if state.review is not None:
        review = ReviewReport(
            key_id=state.review.key_id,
            key_name=state.review.key_name,
            reviewed_at=state.review.reviewed_at,
            reason=state.review.reason,
            waived=state.review.waived,
            verdict_before=state.decided_verdict or Verdict.ERRORED,
        )
    return Report(
        verification_id=state.verification_id,
        correlation_id=state.correlation_id,
        verdict=state.verdict or Verdict.ERRORED,
        repo=state.repository,
        head=HeadReport(ref=state.head_ref, sha=state.head_sha),
        profile=state.profile,
        profile_source=state.profile_source,
        fail_on=state.fail_on,
        targets=[_target(state, target) for target in targets],
        started_at=state.started_at,
        finished_at=state.finished_at,
        duration_s=_seconds_between(state.started_at, state.finished_at),
        error=error,
        context=state.context,
        review=review,
        publishing=state.publishing,
    )


def _target(state: VerificationState, target: TargetState) -> TargetReport:
    return TargetReport(
        name=target.name,
        sha=target.sha,
        verdict=state.verdict_of(target) if target.finished else Verdict.ERRORED,
        merge=MergeReport(
            mergeable=target.mergeable,
            merge_base=target.merge_base,
            conflicts=target.conflicts,
            tree=target.tree,
        ),
        scenarios=[_located(state, s) for s in target.scenarios.values()],
        context=target.context,
        duration_s=target.duration_s,
        runner=target.runner,
    )


def _located(state: VerificationState, scenario: ScenarioReport) -> ScenarioReport:
    where = state.scenario_locations.get(scenario.id)
    return scenario.model_copy(update={"defined_at": where}) if where else scenario


def _seconds_between(start: str, end: str) -> float:
    if not start or not end:
        return 0.0
    elapsed = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(max(elapsed.total_seconds(), 0.0), 3)
