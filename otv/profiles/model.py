"""The profiles file, as pydantic models.

```yaml
version: 1
profiles:
  default:
    scenarios:
      - {id: mergeable, type: merge, severity: blocking}
      - {id: tests, type: command, run: [python3, -m, pytest, -q], timeout: 600}
  strict:
    extends: default
```

Fields other than the common ones belong to the scenario's type and are
validated by its plugin.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from otv.globs import compile_glob

SCENARIO_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
PROFILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


ProfileName = Annotated[str, StringConstraints(pattern=PROFILE_NAME)]


def _globs(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        compile_glob(pattern)
    return patterns


class When(BaseModel):
    """Run a scenario only on some targets, or only when some files change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[str] = Field(default_factory=list, description="target branch globs")
    changed: list[str] = Field(default_factory=list, description="changed path globs")

    _valid = field_validator("targets", "changed")(_globs)


class ScenarioEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=SCENARIO_ID)
    type: str = Field(min_length=1)
    severity: Literal["warning", "blocking"] = "warning"
    timeout: float = Field(default=600.0, gt=0, le=24 * 3600, description="seconds")
    retries: int = Field(default=0, ge=0, le=10)
    when: When | None = None
    needs: list[str] = Field(default_factory=list, description="ids that must pass first")
    isolated: bool = Field(default=False, description="writes to the tree: gets its own")
    cache: bool | None = Field(default=None, description="reuse results; unset: the type decides")

    def type_fields(self) -> dict[str, Any]:
        """The fields that belong to the scenario's type."""
        return dict(self.model_extra or {})


class _Probe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SCENARIO_ID)
    timeout: float = Field(default=5.0, gt=0, le=120, description="seconds")


class TcpProbe(_Probe):
    """A TCP connection can be opened."""

    type: Literal["tcp"]
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


class HttpProbe(_Probe):
    """An HTTP(S) request gets an expected status."""

    type: Literal["http"]
    url: str = Field(pattern=r"^https?://")
    method: Literal["GET", "HEAD"] = "GET"
    # Statuses that pass; empty: any 2xx or 3xx.
    expect_status: list[int] = Field(default_factory=list)


class DnsProbe(_Probe):
    """A name resolves."""

    type: Literal["dns"]
    name: str = Field(min_length=1)


class KubernetesProbe(_Probe):
    """A Kubernetes object exists, read through the API with the collector's kubeconfig."""

    type: Literal["kubernetes"]
    kind: Literal["Deployment", "ConfigMap", "CustomResourceDefinition"]
    name: str = Field(min_length=1)
    namespace: str = "default"
    # Deployment: at least this many ready replicas (default: all it wants).
    min_ready_replicas: int | None = Field(default=None, ge=0)
    # ConfigMap: keys it must have.
    keys: list[str] = Field(default_factory=list)


Probe = Annotated[TcpProbe | HttpProbe | DnsProbe | KubernetesProbe, Field(discriminator="type")]


class ContextSpec(BaseModel):
    """What the collector gathers beyond the merges. ``{target}`` in a probe's
    fields is replaced by each target's name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Globs of configuration files to parse; unset: the default set.
    config_files: list[str] | None = None
    # JSON Schemas (paths in the repository) that files matching a glob must pass.
    schemas: dict[str, str] = Field(default_factory=dict)
    probes: list[Probe] = Field(default_factory=list)

    @field_validator("config_files")
    @classmethod
    def _valid_globs(cls, globs: list[str] | None) -> list[str] | None:
        return _globs(globs) if globs is not None else None

    @field_validator("schemas")
    @classmethod
    def _valid_schema_globs(cls, schemas: dict[str, str]) -> dict[str, str]:
        for pattern in schemas:
            compile_glob(pattern)
        return schemas

    @field_validator("probes")
    @classmethod
    def _unique_probe_ids(cls, probes: list[Probe]) -> list[Probe]:
        ids = [probe.id for probe in probes]
        if duplicate := next((i for i in ids if ids.count(i) > 1), None):
            raise ValueError(f"probe id {duplicate!r} is used twice")
        return probes


class ProfileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    extends: str | None = None
    # Target branches (names or globs) when a request names none.
    targets: list[str] | None = None
    # How many scenarios of one target may run at once.
    parallelism: int | None = Field(default=None, ge=1, le=64)
    # What fails a verification: a failing blocking scenario (fail-safe, the
    # default), or any failing scenario ("warning": strict).
    fail_on: Literal["blocking", "warning"] | None = None
    context: ContextSpec | None = None

    @field_validator("targets")
    @classmethod
    def _target_globs(cls, targets: list[str] | None) -> list[str] | None:
        return _globs(targets) if targets is not None else None

    scenarios: list[ScenarioEntry] = Field(default_factory=list)

    @field_validator("scenarios")
    @classmethod
    def _unique_ids(cls, scenarios: list[ScenarioEntry]) -> list[ScenarioEntry]:
        seen: set[str] = set()
        for scenario in scenarios:
            if scenario.id in seen:
                raise ValueError(f"scenario id {scenario.id!r} is used twice")
            seen.add(scenario.id)
        return scenarios


class ProfilesDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    profiles: dict[ProfileName, ProfileEntry] = Field(min_length=1)
