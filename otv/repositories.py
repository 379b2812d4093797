"""The repositories a deployment knows: how webhooks map to verifications, and where
each repository's outcomes are published.

``OTV_REPOSITORIES_FILE`` (YAML)::

    version: 1
    repositories:
      - url: https://github.com/acme/deploy.git   # as verifications name it
        name: acme/deploy                         # as its host's webhooks name it
        profile: default
        targets: [main, "release/*"]              # none: the pull request's base branch
        webhook_secret_file: /run/secrets/otv/github-webhook
        webhook_api_key_file: /run/secrets/otv/webhook-key   # a key with the run role
        publishers:
          - {type: github, repository: acme/deploy, token_file: /run/secrets/otv/github-token}

Secrets are named by file (or environment variable), never written here.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from otv.errors import UsageError


class PublisherConfig(BaseModel):
    """One publisher of a repository: its type, and its type's own fields."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(min_length=1)

    def fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class RepositoryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1)
    name: str = ""
    profile: str = "default"
    targets: list[str] = Field(default_factory=list)
    publishers: list[PublisherConfig] = Field(default_factory=list)
    webhook_secret_file: Path | None = None
    webhook_api_key_file: Path | None = None

    def wants_target(self, branch: str) -> bool:
        """Whether a push to ``branch`` is one of this repository's targets."""
        return any(fnmatch.fnmatchcase(branch, pattern) for pattern in self.targets)


class RepositoriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    repositories: list[RepositoryConfig] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None) -> RepositoriesFile:
        """The file at ``path``; an empty mapping when there is none."""
        if path is None:
            return cls(version=1)
        try:
            document = yaml.safe_load(path.read_text())
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise UsageError(f"{path} is not valid YAML: {exc}") from None
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise UsageError(f"{path}: {where}: {first['msg']}") from None

    def by_url(self, url: str) -> RepositoryConfig | None:
        return next((r for r in self.repositories if r.url == url), None)

    def by_name(self, name: str) -> RepositoryConfig | None:
        return next((r for r in self.repositories if r.name and r.name == name), None)


def read_secret(file: Path | None, variable: str | None, what: str) -> str:
    """A secret from a file (a mounted Secret) or an environment variable."""
    if file is not None:
        try:
            value = file.read_text().strip()
        except OSError as exc:
            raise UsageError(f"cannot read the {what} file {file}: {exc.strerror}") from None
    elif variable:
        value = os.environ.get(variable, "").strip()
    else:
        raise UsageError(f"no {what}: set its token_file (or token_env)")
    if not value:
        raise UsageError(f"the {what} is empty")
    return value
