"""Gitea and Forgejo, over their REST API: a commit status per target.

Requests go through requests with urllib3's ``Retry``: 429 and 5xx are retried
with backoff, and ``Retry-After`` is honoured.
"""

from __future__ import annotations

from urllib.parse import quote

import requests
from pydantic import BaseModel, Field
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from otv import __version__
from otv.outcomes import Verdict
from otv.publishing import (
    HostConfig,
    Published,
    PublishError,
    PublishRequest,
    host_of,
    status_context,
    target_summary,
)

_STATE = {
    Verdict.PASSED: "success",
    Verdict.WARNED: "warning",
    Verdict.FAILED: "failure",
    Verdict.ERRORED: "error",
}


class GiteaConfig(HostConfig):
    repository: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    url: str = Field(min_length=1)


class GiteaPublisher:
    config_model = GiteaConfig

    def publish(self, config: BaseModel, request: PublishRequest) -> Published:
        assert isinstance(config, GiteaConfig)
        token = config.token("Gitea token")
        host = host_of(config.url)
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
