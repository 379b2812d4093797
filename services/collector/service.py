"""collector: turns an authorized verification into its context."""

from __future__ import annotations

import asyncio
import logging

from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.events import follow
from otv.bus.subjects import Subject, event_id
from otv.runtime import Worker
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.collector.context import CollectedContext, collect

log = logging.getLogger(__name__)

AUTHORIZED = ConsumerSpec(
    durable="collector-authorized",
    filter_subjects=(Subject.VERIFICATION_AUTHORIZED,),
    description="collector: gather the context of authorized verifications",
    ack_wait_s=60.0,
)


class CollectorService:
    name = "collector"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def start(self, bus: Bus) -> list[Worker]:
        await bus.ensure_consumer(AUTHORIZED)

        async def handle(delivery: Delivery) -> None:
            authorized = delivery.event_as(pb.VerificationAuthorized)
            request = authorized.request
            context = await asyncio.to_thread(
                collect,
                request.repository,
                request.head,
                list(request.targets),
                self._settings.cache_dir,
                self._settings.git_timeout_s,
            )
            await bus.producer.publish(self.event(authorized, context))

        return [bus.consumer(AUTHORIZED, handle, concurrency=4)]

    def event(
        self, authorized: pb.VerificationAuthorized, context: CollectedContext
    ) -> pb.ContextCollected:
        vid = authorized.meta.verification_id
        return pb.ContextCollected(
            meta=follow(authorized.meta, event_id(vid, "context"), self.name),
            request=authorized.request,
            head=pb.CommitRef(ref=context.head_ref, sha=context.head_sha),
            targets=[
                pb.TargetContext(
                    name=target.name,
                    sha=target.sha,
                    merge_base=target.merge.merge_base,
                    mergeable=target.merge.mergeable,
                    conflicts=list(target.merge.conflicts),
                    tree=target.merge.tree,
                    changed_files=[
                        pb.ChangedFile(path=c.path, status=c.status, old_path=c.old_path)
                        for c in target.changed_files
                    ],
                )
                for target in context.targets
            ],
            repository_profiles=context.repository_profiles,
        )
