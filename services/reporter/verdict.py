"""The verdict policy: fail-safe, so only a blocking scenario can fail a verification.

For one target, with a profile's ``fail_on: blocking`` (the default):
- a ``blocking`` scenario failed: ``failed``;
- else a ``blocking`` scenario errored (it could not check): ``errored``;
- else a ``warning`` scenario failed or errored: ``warned``;
- else ``passed`` (skipped scenarios count for nothing).

With ``fail_on: warning`` (strict) every scenario counts as blocking. An
infrastructure problem is never a failure: it gives ``errored`` at worst.

For the verification, the worst target decides: failed > errored > warned >
passed. A reviewer may waive a failed verification: it is then ``warned``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from otv.outcomes import Outcome, Severity, Verdict

FailOn = Literal["blocking", "warning"]
_PRECEDENCE = (Verdict.FAILED, Verdict.ERRORED, Verdict.WARNED, Verdict.PASSED)


def blocks(severity: Severity, fail_on: FailOn) -> bool:
    """Whether a scenario of ``severity`` can fail a verification under ``fail_on``."""
    return severity is Severity.BLOCKING or fail_on == "warning"


def target_verdict(results: Iterable[tuple[Severity, Outcome]], fail_on: FailOn) -> Verdict:
    found: set[Verdict] = set()
    for severity, outcome in results:
        blocking = blocks(severity, fail_on)
        if blocking and outcome is Outcome.FAILED:
            found.add(Verdict.FAILED)
        elif blocking and outcome is Outcome.ERRORED:
            found.add(Verdict.ERRORED)
        elif outcome in (Outcome.FAILED, Outcome.ERRORED):
            found.add(Verdict.WARNED)
    return worst(found)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    present = set(verdicts)
    return next((v for v in _PRECEDENCE if v in present), Verdict.PASSED)


def waived(verdict: Verdict) -> Verdict:
    """The verdict once a reviewer waived it: only a failure can be waived, to a warning."""
    return Verdict.WARNED if verdict is Verdict.FAILED else verdict
