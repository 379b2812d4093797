from __future__ import annotations

import itertools

from google.protobuf.message import Message

from otv.bus.events import meta
from otv.bus.subjects import event_id
from otv.outcomes import Verdict
from otv.queries import Phase
from otv.v1 import events_pb2 as pb
from services.reporter.markdown import render_markdown
from services.reporter.report import build_report, completed, ready_to_complete
from services.reporter.state import VerificationState, fold

VID = "v1"
REQUEST = pb.VerificationRequest(
    repository="/repo", head="feature", targets=["main", "release/1.0"], profile="default"
)


def m(kind: str, *parts: str) -> pb.EventMeta:
    return meta(event_id(VID, kind, *parts), VID, "corr", "test")


def result(scenario: str, severity: int, outcome: int) -> pb.ScenarioResult:
    return pb.ScenarioResult(
        id=scenario,
        type="command",
        severity=severity,
        outcome=outcome,
        duration_s=0.5,
        message="exit status 1\nboom" if outcome == pb.OUTCOME_FAILED else "ok",
        attempts=1,
    )


def events() -> list[Message]:
    ok = result("tests", pb.SEVERITY_WARNING, pb.OUTCOME_PASSED)
    bad = result("tests", pb.SEVERITY_WARNING, pb.OUTCOME_FAILED)
    merge = result("mergeable", pb.SEVERITY_BLOCKING, pb.OUTCOME_PASSED)
    return [
        pb.VerificationAuthorized(
            meta=m("authorized"), request=REQUEST, principal=pb.Principal(key_id="ci")
        ),
        pb.ContextCollected(
            meta=m("context"),
            request=REQUEST,
            head=pb.CommitRef(ref="feature", sha="f" * 40),
            targets=[
                pb.TargetContext(name="main", sha="a" * 40, mergeable=True, tree="t1"),
                pb.TargetContext(name="release/1.0", sha="b" * 40, mergeable=True, tree="t2"),
            ],
        ),
        pb.ScenarioFinished(meta=m("scenario", "main", "tests"), target="main", result=ok),
        pb.TargetFinished(meta=m("target", "main"), target="main", results=[merge, ok]),
        pb.ScenarioFinished(
            meta=m("scenario", "release/1.0", "tests"), target="release/1.0", result=bad
        ),
        pb.TargetFinished(
            meta=m("target", "release/1.0"), target="release/1.0", results=[merge, bad]
        ),
    ]


def fold_all(sequence: list[Message]) -> VerificationState | None:
    state = None
    for event in sequence:
        state = fold(state, event)
    return state


def test_a_verification_is_complete_when_every_requested_target_finished() -> None:
    sequence = events()
    partial = fold_all(sequence[:-1])
    assert partial is not None and not ready_to_complete(partial)
    state = fold_all(sequence)
    assert state is not None and ready_to_complete(state)
    decided = completed(state)
    assert decided.phase is Phase.COMPLETED
    assert decided.verdict is Verdict.WARNED
    report = build_report(decided)
    assert [t.verdict for t in report.targets] == [Verdict.PASSED, Verdict.WARNED]
    assert [s.id for s in report.targets[1].scenarios] == ["mergeable", "tests"]


def test_duplicates_and_any_order_give_the_same_state() -> None:
    sequence = events()
    reference = fold_all(sequence)
    assert reference is not None
    for order in itertools.islice(itertools.permutations(sequence), 0, None, 37):
        doubled = [event for event in order for _ in range(2)]
        state = fold_all(doubled)
        assert state is not None
        assert state.targets == reference.targets
        assert state.phase is reference.phase
        assert state.applied == reference.applied


def test_an_event_already_applied_changes_nothing() -> None:
    sequence = events()
    state = fold_all(sequence)
    assert fold(state, sequence[2]) is state


def test_errored_is_terminal_and_keeps_its_reason() -> None:
    errored = pb.VerificationErrored(
        meta=m("errored"),
        kind=pb.ERROR_KIND_CONFIGURATION,
        stage="collector",
        reason="unknown target branch 'nope' in /repo",
    )
    state = fold_all([*events()[:2], errored, *events()[2:]])
    assert state is not None
    assert state.phase is Phase.ERRORED
    assert state.verdict is Verdict.ERRORED
    assert not ready_to_complete(state)
    assert state.error is not None and state.error.kind == "configuration"
    report = build_report(state)
    assert report.error is not None and "unknown target" in report.error.reason
    assert "could not be carried out" in render_markdown(report)


def test_a_rejection_is_terminal() -> None:
    rejected = pb.VerificationRejected(
        meta=m("rejected"), request=REQUEST, code="401", reason="unknown API key"
    )
    state = fold_all([rejected, *events()])
    assert state is not None
    assert state.phase is Phase.REJECTED
    assert state.rejection_reason == "unknown API key"


def test_the_markdown_report_shows_failures_with_their_output() -> None:
    state = fold_all(events())
    assert state is not None
    markdown = render_markdown(build_report(completed(state)))
    assert "## otv verification ⚠️ warned" in markdown
    assert "| `release/1.0` | ⚠️ warned | clean | 1 passed, 1 failed |" in markdown
    assert "<summary><code>tests</code>: exit status 1</summary>" in markdown
    assert "```\nboom\n```" in markdown
