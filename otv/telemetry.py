"""Tracing for one service: its tracer provider and the context carried in headers.

Each service gets its own provider (not the global one), so services sharing a
process — the embedded stack — still report their own ``service.name``. The
trace context travels through the global propagator, which honours
``OTEL_PROPAGATORS``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import Span, SpanKind

from otv import __version__


@dataclass(frozen=True)
class Telemetry:
    service: str
    provider: TracerProvider

    @classmethod
    def for_service(cls, service: str, processors: tuple[SpanProcessor, ...] = ()) -> Telemetry:
        resource = Resource.create({"service.name": service, "service.version": __version__})
        provider = TracerProvider(resource=resource)
        for processor in processors:
            provider.add_span_processor(processor)
        return cls(service=service, provider=provider)

    @property
    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer("otv", __version__)

    def shutdown(self) -> None:
        self.provider.shutdown()


def with_trace_context(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with the current trace context added (``traceparent``...)."""
    carrier = dict(headers)
    propagate.inject(carrier)
    return carrier


@contextlib.contextmanager
def continued_span(
    tracer: trace.Tracer,
    name: str,
    headers: Mapping[str, str],
    kind: SpanKind,
    attributes: Mapping[str, str | int],
) -> Iterator[Span]:
    """A span whose parent is the trace context found in ``headers``."""
    parent = propagate.extract(dict(headers))
    token = otel_context.attach(parent)
    try:
        with tracer.start_as_current_span(name, kind=kind, attributes=dict(attributes)) as span:
            yield span
    finally:
        otel_context.detach(token)
