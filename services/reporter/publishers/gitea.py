"""Gitea and Forgejo, over their REST API: a commit status per target.

Requests go through requests with urllib3's ``Retry``: 429 and 5xx are retried
with backoff, and ``Retry-After`` is honoured.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from otv import __version__
from otv.outcomes import Verdict
from otv.publishing import (
    Published,
    PublishError,
    PublishRequest,
    status_context,
    target_summary,
)
from otv.repositories import read_secret

_STATE = {
    Verdict.PASSED: "success",
    Verdict.WARNED: "warning",
    Verdict.FAILED: "failure",
    Verdict.ERRORED: "error",
}


class GiteaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    url: str = Field(min_length=1)
    token_file: str | None = None
    token_env: str | None = None
    retries: int = Field(default=5, ge=0, le=10)
    timeout_s: float = Field(default=15, gt=0, le=300)


class GiteaPublisher:
    config_model = GiteaConfig

    def publish(self, config: BaseModel, request: PublishRequest) -> Published:
        assert isinstance(config, GiteaConfig)
        token = read_secret(
            Path(config.token_file) if config.token_file else None,
            config.token_env,
            "Gitea token",
        )
        host = urlsplit(config.url).hostname or config.url
        report = request.report
        retry = Retry(
            total=config.retries,
            backoff_factor=0.2,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=None,  # a status is set again with the same content: safe to repeat
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        with requests.Session() as session:
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.mount("https://", HTTPAdapter(max_retries=retry))
            session.headers.update(
                {"Authorization": f"token {token}", "User-Agent": f"otv/{__version__}"}
            )
            base = f"{config.url.rstrip('/')}/api/v1/repos/{quote(config.repository)}"
            for target in report.targets:
                status = {
                    "state": _STATE[target.verdict],
                    "context": status_context(report, target.name),
                    "description": target_summary(report, target.name),
                }
                if request.details_url:
                    status["target_url"] = request.details_url
                try:
                    answer = session.post(
                        f"{base}/statuses/{report.head.sha}",
                        json=status,
                        timeout=config.timeout_s,
                    )
                except requests.RequestException as exc:
                    raise PublishError(
                        f"cannot reach Gitea at {host}: {type(exc).__name__}"
                    ) from None
                if answer.status_code >= 300:
                    raise PublishError(
                        f"Gitea ({host}) answered {answer.status_code} to a commit status"
                    )
        return Published(host=host, detail=f"{len(report.targets)} commit statuses")
