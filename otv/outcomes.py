"""The words of a verdict: severities, scenario outcomes, verdicts.

Plain enums used inside services and in reports; protobuf enums only at the
edges, converted here.
"""

from __future__ import annotations

from enum import StrEnum

from otv.v1 import events_pb2 as pb


class Severity(StrEnum):
    WARNING = "warning"
    BLOCKING = "blocking"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERRORED = "errored"


class Verdict(StrEnum):
    PASSED = "passed"
    WARNED = "warned"
    FAILED = "failed"
    ERRORED = "errored"


SEVERITY_TO_PB = {Severity.WARNING: pb.SEVERITY_WARNING, Severity.BLOCKING: pb.SEVERITY_BLOCKING}
SEVERITY_FROM_PB = {v: k for k, v in SEVERITY_TO_PB.items()}
OUTCOME_TO_PB = {
    Outcome.PASSED: pb.OUTCOME_PASSED,
    Outcome.FAILED: pb.OUTCOME_FAILED,
    Outcome.SKIPPED: pb.OUTCOME_SKIPPED,
    Outcome.ERRORED: pb.OUTCOME_ERRORED,
}
OUTCOME_FROM_PB = {v: k for k, v in OUTCOME_TO_PB.items()}
VERDICT_TO_PB = {
    Verdict.PASSED: pb.VERDICT_PASSED,
    Verdict.WARNED: pb.VERDICT_WARNED,
    Verdict.FAILED: pb.VERDICT_FAILED,
    Verdict.ERRORED: pb.VERDICT_ERRORED,
}
VERDICT_FROM_PB = {v: k for k, v in VERDICT_TO_PB.items()}
