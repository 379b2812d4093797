"""runner: plans a verification into one job per target, and runs jobs.

Both consumers are durable and shared by every runner replica: a collected
context is planned once, and each target job goes to one replica — the
``target.job`` consumer is the work queue.
"""

from __future__ import annotations

import logging

from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.events import follow
from otv.bus.subjects import CONTEXT_OBJECTS_BUCKET, Subject, event_id
from otv.context_details import fetch
from otv.git.source import GitCredentials
from otv.metrics import ScenarioMetrics
from otv.runtime import Worker, instance_name
from otv.scenarios import ScenarioRegistry
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.runner.cache import SCENARIO_CACHE_BUCKET, ScenarioCache
from services.runner.execution import JobRunner
from services.runner.job import Job, ScenarioRecord, job_from_event, result_message

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
    # A job a crashed runner held is redelivered after this; a live one keeps
    # extending it (every ack_wait / 3) however long its scenarios take.
    ack_wait_s=30.0,
    max_deliver=3,
)


class RunnerService:
    name = "runner"

    def __init__(self, settings: Settings, registry: ScenarioRegistry) -> None:
        self._settings = settings
        self._registry = registry
        self._producer = instance_name(self.name)

    async def start(self, bus: Bus) -> list[Worker]:
        settings = self._settings
        replicas = settings.stream_replicas
        metrics = ScenarioMetrics.register(bus.telemetry.metrics.registry)
        cache = ScenarioCache(
            await bus.records(SCENARIO_CACHE_BUCKET, replicas, settings.scenario_cache_ttl_s),
            metrics.cache,
        )
        context_objects = await bus.objects(CONTEXT_OBJECTS_BUCKET, replicas)
        runner = JobRunner(
            self._registry,
            settings.cache_dir,
            settings.git_timeout_s,
            GitCredentials.from_settings(settings),
            cache,
        )
        await bus.ensure_consumer(CONTEXTS)
        await bus.ensure_consumer(JOBS)

        async def plan(delivery: Delivery) -> None:
            collected = delivery.event_as(pb.ContextCollected)
            for job in self.plan(collected):
                await bus.producer.publish(job)

        async def run(delivery: Delivery) -> None:
            event = delivery.event_as(pb.TargetJob)
            details, head_dependencies = event.details, list(event.head_dependencies)
            if event.HasField("details_ref"):
                everything = await fetch(context_objects, event.details_ref)
                found = [d for d in everything.targets if d.name == event.target.name]
                details = found[0] if found else pb.TargetDetails(name=event.target.name)
                head_dependencies = list(everything.head_dependencies)
            job = job_from_event(event, details, head_dependencies)
            await self._run_job(bus, runner, event, job, metrics)

        return [
            bus.consumer(CONTEXTS, plan, concurrency=4),
            bus.consumer(JOBS, run, concurrency=settings.runner_jobs),
        ]

    def plan(self, collected: pb.ContextCollected) -> list[pb.TargetJob]:
        """One job per target, each with the resolved profile and its target's details."""
        profile = collected.profile
        vid = collected.meta.verification_id
        inline = {details.name: details for details in collected.details.targets}
        jobs = []
        for target in collected.targets:
            job = pb.TargetJob(
                meta=follow(collected.meta, event_id(vid, "job", target.name), self._producer),
                repository=collected.request.repository,
                head=collected.head,
                target=target,
                profile=profile.name,
                profile_source=profile.source,
                scenarios=profile.scenarios,
                environment=collected.details.environment,
                parallelism=profile.parallelism,
                head_dependencies=collected.details.head_dependencies,
            )
            if collected.HasField("details_ref"):
                job.details_ref.CopyFrom(collected.details_ref)
            elif target.name in inline:
                job.details.CopyFrom(inline[target.name])
            jobs.append(job)
        return jobs

    async def _run_job(
        self, bus: Bus, runner: JobRunner, event: pb.TargetJob, job: Job, metrics: ScenarioMetrics
    ) -> None:
        vid, target = job.verification_id, job.target.name

        async def publish_result(record: ScenarioRecord) -> None:
            metrics.runs.labels(record.type, record.outcome.value).inc()
            if record.cached:
                # Known at once, and in target.finished a moment later: an event of its own
                # would only give the reporter one more fold (a re-run's main cost).
                return
            metrics.duration.labels(record.type).observe(record.duration_s)
            await bus.producer.publish(
                pb.ScenarioFinished(
                    meta=follow(
                        event.meta, event_id(vid, "scenario", target, record.id), self._producer
                    ),
                    target=target,
                    result=result_message(record),
                )
            )

        records = await runner.run(job, publish_result)
        await bus.producer.publish(
            pb.TargetFinished(
                meta=follow(event.meta, event_id(vid, "target", target), self._producer),
                target=target,
                sha=job.target.sha,
                results=[result_message(record) for record in records],
                duration_s=round(sum(record.duration_s for record in records), 3),
            )
        )
        log.info("target %s finished: %d scenarios", target, len(records))
