"""Prometheus metrics: every otv metric family, each service's in a registry of its own.

A registry per service (not the global one) keeps the four services of the
embedded stack apart, each served on its own port. Names start with ``otv_``
and carry their unit; counters get ``_total`` from prometheus-client.

Histograms have a bucket at each SLO threshold (docs/observability.md), so an
SLO's good-event ratio is read off one bucket with no interpolation.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)

from otv import __version__

# ``_created`` series double every counter and histogram and no rule or panel reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Request/reply endpoints; the status SLO is 99.9 % of answers within 0.5 s.
API_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Handling one event; the runner's target jobs take as long as their scenarios.
EVENT_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# A whole verification; the duration SLO is 95 % within 300 s.
VERIFICATION_BUCKETS_S = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
SCENARIO_BUCKETS_S = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

STATUS_SLO_S = 0.5
VERIFICATION_DURATION_SLO_S = 300.0


class ServiceMetrics:
    """What every service measures: events handled, events published, API calls, queues."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        registry = self.registry
        Info("otv_build", "Version of otv and of Python", registry=registry).info(
            {"version": __version__, "service": service, "python": platform.python_version()}
        )
        self.events_consumed = Counter(
            "otv_events_consumed",
            "Events a consumer finished with: acked, retried (nak), gave_up (errored), malformed",
            ["service", "consumer", "event_type", "outcome"],
            registry=registry,
        )
        self.events_redelivered = Counter(
            "otv_events_redelivered",
            "Events delivered again (a handler failed or a replica died holding them)",
            ["service", "consumer", "event_type"],
            registry=registry,
        )
        self.event_duration = Histogram(
            "otv_event_processing_duration_seconds",
            "Time to handle one event",
            ["service", "consumer", "event_type"],
            buckets=EVENT_BUCKETS_S,
            registry=registry,
        )
        self.events_published = Counter(
            "otv_events_published",
            "Events published: stored, duplicate (absorbed by the stream) or failed",
            ["service", "event_type", "outcome"],
            registry=registry,
        )
        self.api_requests = Counter(
            "otv_api_requests",
            "Request/reply calls answered, by endpoint and code (200, 4xx, 5xx)",
            ["service", "endpoint", "code"],
            registry=registry,
        )
        self.api_duration = Histogram(
            "otv_api_request_duration_seconds",
            "Time to answer one request",
            ["service", "endpoint"],
            buckets=API_BUCKETS_S,
            registry=registry,
        )
        self.consumer_pending = Gauge(
            "otv_consumer_pending_messages",
            "Events in the stream a durable consumer has not been delivered yet",
            ["service", "consumer"],
            registry=registry,
        )
        self.consumer_ack_pending = Gauge(
            "otv_consumer_ack_pending_messages",
            "Events delivered and being handled, not yet acknowledged",
            ["service", "consumer"],
            registry=registry,
        )
        self.nats_connected = Gauge(
            "otv_nats_connected", "1 while connected to NATS", ["service"], registry=registry
        )
        self.nats_reconnects = Counter(
            "otv_nats_reconnects", "Reconnections to NATS", ["service"], registry=registry
        )


@dataclass(frozen=True)
class VerificationMetrics:
    """The reporter's figures: how verifications end and how long they take."""

    ended: Counter
    duration: Histogram

    @classmethod
    def register(cls, registry: CollectorRegistry) -> VerificationMetrics:
        return cls(
            ended=Counter(
                "otv_verifications",
                "Verifications ended, by profile and verdict (passed, warned, failed, "
                "errored, rejected)",
                ["profile", "verdict"],
                registry=registry,
            ),
            duration=Histogram(
                "otv_verification_duration_seconds",
                "From the request to the verdict",
                ["profile"],
                buckets=VERIFICATION_BUCKETS_S,
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class ScenarioMetrics:
    """The runner's figures: scenario runs and its result cache."""

    runs: Counter
    duration: Histogram
    cache: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> ScenarioMetrics:
        return cls(
            runs=Counter(
                "otv_scenario_runs",
                "Scenarios run (or taken from the cache), by type and outcome",
                ["type", "outcome"],
                registry=registry,
            ),
            duration=Histogram(
                "otv_scenario_duration_seconds",
                "Time a scenario took, retries included (cached results are not counted)",
                ["type"],
                buckets=SCENARIO_BUCKETS_S,
                registry=registry,
            ),
            cache=cache_counter(registry),
        )


def cache_counter(registry: CollectorRegistry) -> Counter:
    """``otv_cache_requests_total{cache, result}``: lookups in a cache, hit or miss."""
    return Counter(
        "otv_cache_requests",
        "Lookups in a cache (scenario results, collected contexts), hit or miss",
        ["cache", "result"],
        registry=registry,
    )


def auth_decisions(registry: CollectorRegistry) -> Counter:
    """``otv_auth_decisions_total{outcome}``: allowed, unauthenticated, forbidden, throttled."""
    return Counter(
        "otv_auth_decisions",
        "Authorization decisions by outcome (allowed, unauthenticated, forbidden, throttled)",
        ["outcome"],
        registry=registry,
    )


AUTH_OUTCOMES = {"200": "allowed", "401": "unauthenticated", "403": "forbidden", "429": "throttled"}
