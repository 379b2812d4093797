"""GitLab (gitlab.com or self-managed), with python-gitlab: a commit status per target
and one merge-request note, updated in place.

python-gitlab retries 429 (honouring ``Retry-After``) and 5xx with backoff when
``retry_transient_errors`` is on, as it is here.
"""

from __future__ import annotations

import gitlab
from gitlab.exceptions import GitlabError
from pydantic import BaseModel, Field
from requests.exceptions import RequestException

from otv.outcomes import Verdict
from otv.publishing import (
    COMMENT_MARKER,
    HostConfig,
    Published,
    PublishError,
    PublishRequest,
    comment_body,
    host_of,
    host_said,
    status_context,
    target_summary,
)

_STATE = {
    Verdict.PASSED: "success",
    Verdict.WARNED: "success",
    Verdict.FAILED: "failed",
    Verdict.ERRORED: "failed",
}


class GitLabConfig(HostConfig):
    # The project's path (group/name) or numeric id.
    project: str = Field(min_length=1)
    url: str = "https://gitlab.com"
    statuses: bool = True
    comment: bool = True


class GitLabPublisher:
    config_model = GitLabConfig

    def publish(self, config: BaseModel, request: PublishRequest) -> Published:
        assert isinstance(config, GitLabConfig)
        token = config.token("GitLab token")
        host = host_of(config.url)
        client = gitlab.Gitlab(
            config.url.rstrip("/"),
            private_token=token,
            timeout=config.timeout_s,
            retry_transient_errors=True,
        )
        try:
            return self._publish(client, config, request, host)
        except GitlabError as exc:
            reason = host_said(str(exc.error_message), token)
            raise PublishError(f"GitLab ({host}) answered {exc.response_code}: {reason}") from None
        except (RequestException, OSError) as exc:
            raise PublishError(f"cannot reach GitLab at {host}: {type(exc).__name__}") from None
        finally:
            client.session.close()

    def _publish(
        self, client: gitlab.Gitlab, config: GitLabConfig, request: PublishRequest, host: str
    ) -> Published:
        report = request.report
        project = client.projects.get(config.project, lazy=True)
        done = []
        url = ""
        retries = {"max_retries": config.retries}
        if config.statuses:
            commit = project.commits.get(report.head.sha, lazy=True)
            for target in report.targets:
                status = {
                    "state": _STATE[target.verdict],
                    "name": status_context(report, target.name),
                    "description": target_summary(report, target.name),
                }
                if request.details_url:
                    status["target_url"] = request.details_url
                commit.statuses.create(status, **retries)
            done.append(f"{len(report.targets)} commit statuses")
        if config.comment and request.change_number:
            merge_request = project.mergerequests.get(request.change_number, lazy=True)
            body = comment_body(request)
            notes = merge_request.notes.list(iterator=True, **retries)
            mine = next((n for n in notes if COMMENT_MARKER in (n.body or "")), None)
            if mine is None:
                merge_request.notes.create({"body": body}, **retries)
                done.append(f"a note on !{request.change_number}")
            else:
                merge_request.notes.update(mine.id, {"body": body}, **retries)
                done.append(f"the note on !{request.change_number}, updated")
            base = config.url.rstrip("/")
            url = f"{base}/{config.project}/-/merge_requests/{request.change_number}"
        return Published(host=host, detail=", ".join(done) or "nothing asked", url=url)
