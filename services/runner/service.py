"""runner: plans a verification into one job per target, and runs jobs.

Both consumers are durable and shared by every runner replica: a collected
context is planned once, and each target job goes to one replica — the
``target.job`` consumer is the work queue.
"""

from __future__ import annotations

import logging

from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.events import follow
from otv.bus.subjects import Subject, event_id
from otv.outcomes import OUTCOME_TO_PB, SEVERITY_FROM_PB, SEVERITY_TO_PB
from otv.runtime import Worker
from otv.scenarios import ChangedFile, ScenarioRegistry, TargetInfo
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.runner.execution import Job, JobRunner, ScenarioRecord, ScenarioSpec

log = logging.getLogger(__name__)

CONTEXTS = ConsumerSpec(
    durable="runner-contexts",
    filter_subjects=(Subject.CONTEXT_COLLECTED,),
    description="runner: plan one job per target of each collected context",
)
JOBS = ConsumerSpec(
    durable="runner-jobs",
    filter_subjects=(Subject.TARGET_JOB,),
    description="runner: the work queue of target jobs",
    ack_wait_s=60.0,
    max_deliver=3,
)


class RunnerService:
    name = "runner"

    def __init__(self, settings: Settings, registry: ScenarioRegistry) -> None:
        self._settings = settings
        self._registry = registry
        self._jobs = JobRunner(registry, settings.cache_dir, settings.git_timeout_s)

    async def start(self, bus: Bus) -> list[Worker]:
        await bus.ensure_consumer(CONTEXTS)
        await bus.ensure_consumer(JOBS)

        async def plan(delivery: Delivery) -> None:
            collected = delivery.event_as(pb.ContextCollected)
            for job in self.plan(collected):
                await bus.producer.publish(job)

        async def run(delivery: Delivery) -> None:
            await self._run_job(bus, delivery.event_as(pb.TargetJob))

        return [
            bus.consumer(CONTEXTS, plan, concurrency=4),
            bus.consumer(JOBS, run, concurrency=self._settings.runner_jobs),
        ]

    def plan(self, collected: pb.ContextCollected) -> list[pb.TargetJob]:
        """One job per target, each with the resolved profile and its target's details."""
        profile = collected.profile
        vid = collected.meta.verification_id
        inline = {details.name: details for details in collected.details.targets}
        jobs = []
        for target in collected.targets:
            job = pb.TargetJob(
                meta=follow(collected.meta, event_id(vid, "job", target.name), self.name),
                repository=collected.request.repository,
                head=collected.head,
                target=target,
                profile=profile.name,
                profile_source=profile.source,
                scenarios=profile.scenarios,
                environment=collected.details.environment,
            )
            if collected.HasField("details_ref"):
                job.details_ref.CopyFrom(collected.details_ref)
            elif target.name in inline:
                job.details.CopyFrom(inline[target.name])
            jobs.append(job)
        return jobs

    async def _run_job(self, bus: Bus, job_event: pb.TargetJob) -> None:
        job = _job(job_event)
        vid, target = job.verification_id, job.target.name

        async def publish_result(record: ScenarioRecord) -> None:
            await bus.producer.publish(
                pb.ScenarioFinished(
                    meta=follow(
                        job_event.meta, event_id(vid, "scenario", target, record.id), self.name
                    ),
                    target=target,
                    result=_result(record),
                )
            )

        records = await self._jobs.run(job, publish_result)
        await bus.producer.publish(
            pb.TargetFinished(
                meta=follow(job_event.meta, event_id(vid, "target", target), self.name),
                target=target,
                sha=job.target.sha,
                results=[_result(record) for record in records],
                duration_s=round(sum(record.duration_s for record in records), 3),
            )
        )
        log.info("target %s finished: %d scenarios", target, len(records))


def _job(event: pb.TargetJob) -> Job:
    target = event.target
    return Job(
        verification_id=event.meta.verification_id,
        repository=event.repository,
        head_ref=event.head.ref,
        head_sha=event.head.sha,
        target=TargetInfo(
            name=target.name,
            sha=target.sha,
            merge_base=target.merge_base,
            mergeable=target.mergeable,
            conflicts=tuple(target.conflicts),
            tree=target.tree,
            changed_files=tuple(
                ChangedFile(c.path, c.status, c.old_path) for c in target.changed_files
            ),
        ),
        scenarios=tuple(
            ScenarioSpec(
                id=s.id,
                type=s.type,
                severity=SEVERITY_FROM_PB[s.severity],
                timeout_s=s.timeout_s,
                retries=s.retries,
                config_json=s.config_json,
            )
            for s in event.scenarios
        ),
    )


def _result(record: ScenarioRecord) -> pb.ScenarioResult:
    return pb.ScenarioResult(
        id=record.id,
        type=record.type,
        severity=SEVERITY_TO_PB[record.severity],
        outcome=OUTCOME_TO_PB[record.outcome],
        duration_s=record.duration_s,
        message=record.message,
        cached=False,
        attempts=record.attempts,
    )
