"""collector: turns an authorized verification into its context.

It resolves the profile (the runner receives it resolved), collects each
target's context in worker threads — reusing what was collected before for
the same repository, head, target and profile — runs the profile's probes,
records the client's environment, and publishes ``context.collected``, with
the details inline or, when large, in the object store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from prometheus_client import Counter

from otv.bus import Bus, ConsumerSpec, Delivery, Objects, Records
from otv.bus.events import follow
from otv.bus.subjects import (
    CONTEXT_CACHE_BUCKET,
    CONTEXT_OBJECTS_BUCKET,
    Subject,
    event_id,
)
from otv.context import Dependency
from otv.context_details import keep
from otv.environment import sanitize
from otv.errors import UsageError
from otv.git.source import GitCredentials
from otv.metrics import cache_counter
from otv.outcomes import SEVERITY_TO_PB
from otv.profiles import ResolvedProfile, ResolvedScenario, select_profiles
from otv.profiles.proofs import ProofFinding, check_profile
from otv.runtime import Worker
from otv.scenarios import ScenarioRegistry
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.collector import convert
from services.collector.context import Collection
from services.collector.probes import Prober

log = logging.getLogger(__name__)

AUTHORIZED = ConsumerSpec(
    durable="collector-authorized",
    filter_subjects=(Subject.VERIFICATION_AUTHORIZED,),
    description="collector: gather the context of authorized verifications",
    # As the runner's jobs: a crashed collector's message is redelivered within 30 s.
    ack_wait_s=30.0,
)

DEFAULT_PROFILE = "default"
MAX_TARGETS = 32
# Bumped when what is cached changes shape, so old entries are not reused.
_CACHE_FORMAT = "1"
_PARALLEL_TARGETS = 4


class CollectorService:
    name = "collector"

    def __init__(self, settings: Settings, registry: ScenarioRegistry) -> None:
        self._settings = settings
        self._registry = registry
        self._credentials = GitCredentials.from_settings(settings)
        self._cache_lookups: Counter | None = None
        # Proof findings by profile digest: a profile is proved once, not per verification.
        self._proved: dict[str, list[ProofFinding]] = {}

    async def start(self, bus: Bus) -> list[Worker]:
        self._cache_lookups = cache_counter(bus.telemetry.metrics.registry)
        replicas = self._settings.stream_replicas
        cache = await bus.records(
            CONTEXT_CACHE_BUCKET, replicas, self._settings.context_cache_ttl_s
        )
        objects = await bus.objects(CONTEXT_OBJECTS_BUCKET, replicas)
        await bus.ensure_consumer(AUTHORIZED)

        async def handle(delivery: Delivery) -> None:
            authorized = delivery.event_as(pb.VerificationAuthorized)
            vid = authorized.meta.verification_id
            # So a status shows the verification being collected, not waiting.
            await bus.producer.publish(
                pb.ContextCollecting(
                    meta=follow(authorized.meta, event_id(vid, "collecting"), self.name)
                )
            )
            await bus.producer.publish(await self.collect(authorized, cache, objects))

        return [bus.consumer(AUTHORIZED, handle, concurrency=4)]

    async def collect(
        self, authorized: pb.VerificationAuthorized, cache: Records, objects: Objects
    ) -> pb.ContextCollected:
        request = authorized.request
        settings = self._settings
        collection = await asyncio.to_thread(
            Collection,
            request.repository,
            settings.cache_dir,
            settings.git_timeout_s,
            self._credentials,
            settings.context_file_max_bytes,
        )
        head_sha = await asyncio.to_thread(collection.resolve_head, request.head)
        repository_profiles = await asyncio.to_thread(collection.repository_profiles, head_sha)
        profile = self.resolve_profile(request, repository_profiles)
        # Names and globs ("release/*"), from the request or else the profile.
        patterns = tuple(request.targets) or profile.targets
        names = await asyncio.to_thread(collection.expand_targets, patterns)
        if not names:
            raise UsageError(
                f"no target branch: give --target, or list targets in profile {profile.name!r}"
            )
        if len(names) > MAX_TARGETS:
            raise UsageError(f"{len(names)} target branches; at most {MAX_TARGETS} are allowed")
        targets = await asyncio.to_thread(collection.resolve_targets, head_sha, names)
        head = await self._head_context(collection, head_sha, cache)
        profile_digest = hashlib.sha256(profile.context.model_dump_json().encode()).hexdigest()
        limit = asyncio.Semaphore(_PARALLEL_TARGETS)
        prober = Prober(settings.kubeconfig)

        async def one(name: str, sha: str) -> pb.CollectedTarget:
            key = hashlib.sha256(
                "\0".join(
                    (_CACHE_FORMAT, collection.source.cache_key, head_sha, sha, profile_digest)
                ).encode()
            ).hexdigest()
            cached = await cache.get(key)
            if self._cache_lookups is not None:
                self._cache_lookups.labels("context", "miss" if cached is None else "hit").inc()
            if cached is not None:
                collected = pb.CollectedTarget.FromString(cached.value)
                collected.target.name = name
                collected.details.name = name
            else:
                async with limit:
                    found = await asyncio.to_thread(
                        collection.target,
                        name,
                        sha,
                        head_sha,
                        profile.context,
                        [_dependency(d) for d in head.head_dependencies],
                    )
                collected = convert.collected_target(found)
                await cache.put(key, collected.SerializeToString())
            # Probes look at the world as it is now: never cached.
            results = await prober.run(profile.context.probes, name)
            collected.details.probes.extend(convert.probe(result) for result in results)
            return collected

        collected = await asyncio.gather(*(one(name, sha) for name, sha in targets.items()))
        details = pb.ContextDetails(
            head_dependencies=head.head_dependencies,
            targets=[c.details for c in collected],
            environment=sanitize(request.environment),
            findings=head.findings,
        )
        vid = authorized.meta.verification_id
        inline, ref = await keep(objects, vid, details, settings.context_inline_max_bytes)
        event = pb.ContextCollected(
            meta=follow(authorized.meta, event_id(vid, "context"), self.name),
            request=authorized.request,
            head=pb.CommitRef(ref=request.head or "HEAD", sha=head_sha),
            targets=[c.target for c in collected],
            repository_profiles=repository_profiles,
            profile=_profile_message(profile),
        )
        if inline is not None:
            event.details.CopyFrom(inline)
        else:
            assert ref is not None
            event.details_ref.CopyFrom(ref)
        return event

    async def _head_context(
        self, collection: Collection, head_sha: str, cache: Records
    ) -> pb.ContextDetails:
        """The head's dependencies and findings: read once per head commit, then reused."""
        key = hashlib.sha256(
            "\0".join((_CACHE_FORMAT, "head", collection.source.cache_key, head_sha)).encode()
        ).hexdigest()
        cached = await cache.get(key)
        if cached is not None:
            return pb.ContextDetails.FromString(cached.value)
        dependencies, findings = await asyncio.to_thread(collection.head_dependencies, head_sha)
        head = pb.ContextDetails(
            head_dependencies=[convert.dependency(d) for d in dependencies],
            findings=[convert.finding(f) for f in findings],
        )
        await cache.put(key, head.SerializeToString())
        return head

    def resolve_profile(
        self, request: pb.VerificationRequest, repository_profiles: bytes
    ) -> ResolvedProfile:
        profiles = select_profiles(
            client_document=request.profiles_document,
            client_document_name=request.profiles_document_name,
            repository_document=repository_profiles,
            service_file=self._settings.profiles_file,
            allow_client=self._settings.allow_client_profiles,
            allow_repository=self._settings.allow_repository_profiles,
        )
        profile = profiles.resolve(request.profile or DEFAULT_PROFILE, self._registry)
        self._prove(profile)
        return profile

    def _prove(self, profile: ResolvedProfile) -> None:
        """z3's proofs, once per distinct profile: a contradiction is a configuration
        error (no run could pass it); a dead or blocked scenario is a warning."""
        key = hashlib.sha256(repr(profile).encode()).hexdigest()
        if key not in self._proved:
            if len(self._proved) > 256:
                self._proved.clear()
            self._proved[key] = check_profile(profile)
        for found in self._proved[key]:
            if found.kind == "dependency-conflict":
                raise UsageError(f"{found.where}: {found.message}")
            log.warning("profile %s: %s: %s", profile.name, found.where, found.message)


def _dependency(d: pb.Dependency) -> Dependency:
    return Dependency(d.ecosystem, d.name, d.version, d.specifier, d.source, d.direct)


def _profile_message(profile: ResolvedProfile) -> pb.ResolvedProfile:
    return pb.ResolvedProfile(
        name=profile.name,
        source=profile.source,
        scenarios=[_scenario_message(s, profile.path) for s in profile.scenarios],
        parallelism=profile.parallelism,
        fail_on=profile.fail_on,
    )


def _scenario_message(scenario: ResolvedScenario, path: str) -> pb.ScenarioSpec:
    message = pb.ScenarioSpec(
        id=scenario.id,
        type=scenario.type,
        severity=SEVERITY_TO_PB[scenario.severity],
        timeout_s=scenario.timeout_s,
        retries=scenario.retries,
        config_json=scenario.config_json(),
        when_targets=scenario.when_targets,
        when_changed=scenario.when_changed,
        needs=scenario.needs,
        isolated=scenario.isolated,
        defined_at=pb.Location(path=path, line=scenario.line),
    )
    if scenario.cache is not None:
        message.cache = scenario.cache
    return message
