"""Building the events of a verification, in the order otv would publish them."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.message import Message

from otv.bus.events import meta
from otv.bus.subjects import event_id
from otv.v1 import events_pb2 as pb

SEVERITY = {"warning": pb.SEVERITY_WARNING, "blocking": pb.SEVERITY_BLOCKING}
OUTCOME = {
    "passed": pb.OUTCOME_PASSED,
    "failed": pb.OUTCOME_FAILED,
    "skipped": pb.OUTCOME_SKIPPED,
    "errored": pb.OUTCOME_ERRORED,
}


@dataclass(frozen=True)
class Scenario:
    id: str
    severity: str = "warning"
    outcome: str = "passed"
    message: str = ""
    output: str = ""
    locations: tuple[tuple[str, int], ...] = ()
    kind: str = ""

    def result(self) -> pb.ScenarioResult:
        message = self.message or (
            "exit status 1\nassert 1 == 2" if self.outcome == "failed" else self.outcome
        )
        result = pb.ScenarioResult(
            id=self.id,
            type="command",
            severity=SEVERITY[self.severity],
            outcome=OUTCOME[self.outcome],
            duration_s=0.25,
            message=message,
            attempts=1,
        )
        if self.outcome in ("failed", "errored"):
            kind = self.kind or ("failure" if self.outcome == "failed" else "infra")
            result.diagnosis.kind = kind
            result.diagnosis.output = self.output
            result.diagnosis.expected = "exit status 0" if self.outcome == "failed" else ""
            if self.outcome == "failed":
                result.diagnosis.exit_code = 1
            result.diagnosis.locations.extend(
                pb.Location(path=path, line=line) for path, line in self.locations
            )
        return result


@dataclass
class History:
    """One verification: its request, targets and what each scenario gives on each target."""

    vid: str = "v1"
    targets: dict[str, list[Scenario]] = field(default_factory=dict)
    fail_on: str = "blocking"
    profiles_path: str = ".otv/profiles.yaml"
    repository: str = "https://git.example.com/platform/deploy.git"

    def m(self, kind: str, *parts: str) -> pb.EventMeta:
        return meta(event_id(self.vid, kind, *parts), self.vid, "corr-" + self.vid, "test")

    @property
    def request(self) -> pb.VerificationRequest:
        return pb.VerificationRequest(
            repository=self.repository,
            head="feature",
            targets=list(self.targets),
            profile="default",
        )

    def scenario_specs(self) -> list[pb.ScenarioSpec]:
        ids = dict.fromkeys(s.id for scenarios in self.targets.values() for s in scenarios)
        return [
            pb.ScenarioSpec(
                id=scenario_id,
                type="command",
                defined_at=pb.Location(path=self.profiles_path, line=10 + 4 * index),
            )
            for index, scenario_id in enumerate(ids)
        ]

    def start(self) -> list[Message]:
        return [
            pb.VerificationRequested(meta=self.m("requested"), request=self.request),
            pb.VerificationAuthorized(
                meta=self.m("authorized"),
                request=self.request,
                principal=pb.Principal(key_id="ci", key_name="ci"),
            ),
            pb.ContextCollecting(meta=self.m("collecting")),
            pb.ContextCollected(
                meta=self.m("context"),
                request=self.request,
                head=pb.CommitRef(ref="feature", sha="f" * 40),
                targets=[
                    pb.TargetContext(
                        name=name, sha=f"{index:x}" * 40, mergeable=True, tree="t", ahead=1
                    )
                    for index, name in enumerate(self.targets)
                ],
                profile=pb.ResolvedProfile(
                    name="default",
                    source=self.profiles_path,
                    scenarios=self.scenario_specs(),
                    fail_on=self.fail_on,
                ),
            ),
        ]

    def target_events(self, name: str, finish: bool = True) -> list[Message]:
        scenarios = self.targets[name]
        events: list[Message] = [
            pb.TargetJob(meta=self.m("job", name), profile="default", profile_source="test")
        ]
        events += [
            pb.ScenarioFinished(meta=self.m("scenario", name, s.id), target=name, result=s.result())
            for s in scenarios
        ]
        if finish:
            events.append(
                pb.TargetFinished(
                    meta=self.m("target", name),
                    target=name,
                    sha="a" * 40,
                    results=[s.result() for s in scenarios],
                    duration_s=0.25 * len(scenarios),
                )
            )
        return events

    def events(self) -> list[Message]:
        """Everything up to the end of the last target."""
        return [
            *self.start(),
            *(event for name in self.targets for event in self.target_events(name)),
        ]

    def errored(self, stage: str = "runner", reason: str = "git fetch failed") -> Message:
        return pb.VerificationErrored(
            meta=self.m("errored"),
            kind=pb.ERROR_KIND_INFRASTRUCTURE,
            stage=stage,
            reason=reason,
        )

    def reviewed(self, waived: bool = True, reason: str = "known flaky on main") -> Message:
        return pb.VerificationReviewed(
            meta=self.m("reviewed"),
            key_id="rev12345",
            key_name="release-manager",
            waived=waived,
            reason=reason,
        )
