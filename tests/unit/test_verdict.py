from __future__ import annotations

import pytest

from otv.outcomes import Outcome, Severity, Verdict
from services.reporter.verdict import target_verdict, waived, worst

B, W = Severity.BLOCKING, Severity.WARNING
P, F, S, E = Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED, Outcome.ERRORED


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], Verdict.PASSED),
        ([(B, P), (W, P)], Verdict.PASSED),
        ([(B, P), (W, S)], Verdict.PASSED),
        ([(W, F)], Verdict.WARNED),  # fail-safe: a warning never fails
        ([(W, E)], Verdict.WARNED),
        ([(B, F), (W, F)], Verdict.FAILED),
        ([(B, E)], Verdict.ERRORED),  # could not check: errored, never failed
        ([(B, E), (B, F)], Verdict.FAILED),
        ([(B, E), (W, F)], Verdict.ERRORED),
        ([(B, S)], Verdict.PASSED),
    ],
)
def test_target_verdict_policy(results: list[tuple[Severity, Outcome]], expected: Verdict) -> None:
    assert target_verdict(results, "blocking") is expected


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([(W, F)], Verdict.FAILED),  # strict: a failing warning fails
        ([(W, E)], Verdict.ERRORED),  # but could-not-check stays errored
        ([(W, S), (B, P)], Verdict.PASSED),
        ([(W, E), (W, F)], Verdict.FAILED),
    ],
)
def test_fail_on_warning_is_strict(
    results: list[tuple[Severity, Outcome]], expected: Verdict
) -> None:
    assert target_verdict(results, "warning") is expected


def test_only_a_failure_can_be_waived() -> None:
    assert waived(Verdict.FAILED) is Verdict.WARNED
    for verdict in (Verdict.PASSED, Verdict.WARNED, Verdict.ERRORED):
        assert waived(verdict) is verdict


def test_the_worst_target_decides_the_verification() -> None:
    assert worst([Verdict.PASSED, Verdict.WARNED]) is Verdict.WARNED
    assert worst([Verdict.WARNED, Verdict.ERRORED]) is Verdict.ERRORED
    assert worst([Verdict.ERRORED, Verdict.FAILED, Verdict.PASSED]) is Verdict.FAILED
    assert worst([]) is Verdict.PASSED
