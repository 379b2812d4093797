"""Deciding a verification and building its report from its state."""

from __future__ import annotations

from typing import Literal, cast

from otv.outcomes import Verdict
from otv.queries import Phase
from otv.report import ErrorReport, HeadReport, MergeReport, Report, TargetReport
from services.reporter.state import TargetState, VerificationState
from services.reporter.verdict import target_verdict, worst


def ready_to_complete(state: VerificationState) -> bool:
    return not state.phase.terminal and state.all_targets_finished()


def completed(state: VerificationState) -> VerificationState:
    """``state`` decided: its verdict, its end time, phase ``completed``."""
    state = state.model_copy(deep=True)
    names = list(dict.fromkeys(state.requested_targets))
    state.verdict = worst(verdict_of(state.target(name)) for name in names)
    state.finished_at = max((state.target(name).finished_at for name in names), default="")
    state.advance(Phase.COMPLETED)
    return state


def verdict_of(target: TargetState) -> Verdict:
    return target_verdict((s.severity, s.outcome) for s in target.scenarios.values())


def build_report(state: VerificationState) -> Report:
    """The report of a completed or errored verification."""
    names = list(dict.fromkeys(state.requested_targets))
    targets = [state.targets[name] for name in names if name in state.targets]
    error = None
    if state.error is not None:
        kind = cast(Literal["configuration", "infrastructure"], state.error.kind)
        error = ErrorReport(kind=kind, stage=state.error.stage, reason=state.error.reason)
    return Report(
        verification_id=state.verification_id,
        correlation_id=state.correlation_id,
        verdict=state.verdict or Verdict.ERRORED,
        repo=state.repository,
        head=HeadReport(ref=state.head_ref, sha=state.head_sha),
        profile=state.profile,
        profile_source=state.profile_source,
        targets=[
            TargetReport(
                name=target.name,
                sha=target.sha,
                verdict=verdict_of(target) if target.finished else Verdict.ERRORED,
                merge=MergeReport(
                    mergeable=target.mergeable,
                    merge_base=target.merge_base,
                    conflicts=target.conflicts,
                    tree=target.tree,
                ),
                scenarios=list(target.scenarios.values()),
                context=target.context,
            )
            for target in targets
        ],
        started_at=state.started_at,
        finished_at=state.finished_at,
        error=error,
        context=state.context,
    )
