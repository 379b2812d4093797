"""Settings read once from ``OTV_*`` environment variables into a frozen object.

No module reads the environment on its own: callers build ``Settings`` at start
and pass it down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from otv.errors import UsageError

LogFormat = Literal["json", "text", "auto"]

# Settings whose variable is not simply OTV_<FIELD NAME>.
_RENAMED = {"nats_url": "OTV_SERVER"}


def variable_name(field_name: str) -> str:
    """The environment variable a setting is read from."""
    return _RENAMED.get(field_name, "OTV_" + field_name.upper())


def _default_cache_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "otv"


class Settings(BaseModel):
    """Everything a service or the CLI needs to know about its deployment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nats_url: str | None = Field(default=None, description="NATS URL of a running otv")
    api_key: SecretStr | None = Field(default=None, description="the key this client presents")
    cache_dir: Path = Field(description="repository mirrors and the embedded store")
    auth_config: Path | None = Field(default=None, description="keys file of the auth service")
    pepper: SecretStr | None = Field(default=None, description="secret that keys API key hashes")
    pepper_file: Path | None = Field(default=None, description="file holding the pepper")
    bootstrap_admin_key: SecretStr | None = Field(
        default=None, description="an admin key auth admits from its first start"
    )
    bootstrap_admin_key_file: Path | None = Field(
        default=None, description="file holding the bootstrap admin key"
    )
    nats_user: str | None = Field(default=None, description="NATS user of this service")
    nats_password: SecretStr | None = Field(default=None, description="its NATS password")
    nats_password_file: Path | None = Field(
        default=None, description="file holding its NATS password (a mounted Secret)"
    )
    profiles_file: Path | None = Field(default=None, description="the service's own profiles")
    allow_client_profiles: bool = Field(
        default=False, description="accept a profiles file sent by the client"
    )
    allow_repository_profiles: bool = Field(
        default=False, description="use the repository's .otv/profiles.yaml"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: LogFormat = Field(default="auto", description="json, text, or auto (by terminal)")
    repositories_file: Path | None = Field(
        default=None, description="repositories: webhook mapping and git-host publishers"
    )
    details_url: str = Field(
        default="", description="a page of one verification, with {verification_id}"
    )
    webhook_port: int | None = Field(
        default=None, ge=0, le=65535, description="port of auth's webhook ingress (off: unset)"
    )
    webhook_host: str = Field(default="0.0.0.0", description="address webhooks listen on")  # noqa: S104
    webhook_api_key_file: Path | None = Field(
        default=None, description="the key webhook verifications run with (role run)"
    )
    health_port: int | None = Field(
        default=None, ge=0, le=65535, description="port of /metrics and health (otv serve: 9464)"
    )
    health_host: str = Field(default="0.0.0.0", description="address /metrics listens on")  # noqa: S104
    grpc_port: int | None = Field(
        default=None, ge=0, le=65535, description="port of auth's gRPC API (otv serve: 50051)"
    )
    grpc_host: str = Field(default="0.0.0.0", description="address the gRPC API listens on")  # noqa: S104
    grpc_tls_cert_file: Path | None = Field(default=None, description="its TLS certificate")
    grpc_tls_key_file: Path | None = Field(default=None, description="its TLS private key")
    nats_server_bin: Path | None = Field(
        default=None, description="nats-server binary for the embedded stack"
    )
    stream_replicas: int = Field(default=1, ge=1, le=5, description="replicas of streams and KV")
    event_max_age_s: float = Field(default=7 * 24 * 3600, gt=0, description="event retention")
    report_retention_s: float = Field(
        default=30 * 24 * 3600, gt=0, description="age after which reports and states are removed"
    )
    retention_check_s: float = Field(
        default=3600, gt=0, description="how often the reporter removes what is too old"
    )
    watch_max_s: float = Field(
        default=3600, gt=0, description="longest a client may watch one verification"
    )
    runner_jobs: int = Field(default=2, ge=1, le=64, description="target jobs per runner")
    git_timeout_s: float = Field(default=120, gt=0, description="timeout of one git command")
    git_token: SecretStr | None = Field(default=None, description="token for HTTPS repositories")
    git_token_file: Path | None = Field(default=None, description="file holding that token")
    git_token_user: str = Field(default="x-access-token", description="user name sent with it")
    git_credentials_file: Path | None = Field(
        default=None, description="git credential-store file, for several hosts"
    )
    git_ssh_key_file: Path | None = Field(default=None, description="SSH key for ssh:// URLs")
    git_known_hosts_file: Path | None = Field(default=None, description="SSH known_hosts")
    git_ssh_command: str = Field(default="ssh", description="the ssh program git runs")
    kubeconfig: Path | None = Field(default=None, description="kubeconfig for Kubernetes probes")
    context_file_max_bytes: int = Field(
        default=1024 * 1024, gt=0, description="larger files are not read for the context"
    )
    context_inline_max_bytes: int = Field(
        default=64 * 1024, gt=0, description="larger context details go to the object store"
    )
    context_cache_ttl_s: float = Field(
        default=24 * 3600, gt=0, description="how long a collected context is reused"
    )
    scenario_cache_ttl_s: float = Field(
        default=7 * 24 * 3600, gt=0, description="how long a scenario result is reused"
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read the settings from ``environ`` (the process environment by default).

        ``overrides`` (command-line flags, say) win over the environment; a
        ``None`` override is ignored.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {"cache_dir": _default_cache_dir(env)}
        for name in cls.model_fields:
            value = env.get(variable_name(name), "")
            if value != "":
                values[name] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = str(first["loc"][0]) if first["loc"] else "?"
            raise UsageError(
                f"invalid setting {variable_name(field_name)}: {first['msg']}"
            ) from None
