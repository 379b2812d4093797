"""GitHub and GitHub Enterprise, with PyGithub: a commit status per target, one check
run per verification (annotations sent 50 at a time, GitHub's limit), and one
pull-request comment, updated in place.

PyGithub's own retry (``GithubRetry``, on urllib3) retries 5xx and 429 with
backoff, honours ``Retry-After`` and waits out the rate limit's reset.
"""

from __future__ import annotations

from github import Auth, Github, GithubException
from github.GithubObject import NotSet
from github.GithubRetry import GithubRetry
from pydantic import BaseModel, Field

from otv.outcomes import Verdict
from otv.publishing import (
    COMMENT_MARKER,
    Annotation,
    HostConfig,
    Published,
    PublishError,
    PublishRequest,
    annotations_of,
    comment_body,
    headline,
    host_of,
    host_said,
    status_context,
    target_summary,
)

ANNOTATIONS_PER_REQUEST = 50
_STATE = {
    Verdict.PASSED: "success",
    Verdict.WARNED: "success",
    Verdict.FAILED: "failure",
    Verdict.ERRORED: "error",
}
_CONCLUSION = {
    Verdict.PASSED: "success",
    Verdict.WARNED: "neutral",
    Verdict.FAILED: "failure",
    Verdict.ERRORED: "failure",
}


class GitHubConfig(HostConfig):
    repository: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    # GitHub Enterprise: https://ghe.example.com/api/v3
    api_url: str = "https://api.github.com"
    statuses: bool = True
    check_run: bool = True
    comment: bool = True
    check_name: str = "otv"
    # GitHub asks integrations to space writes out (secondary rate limits).
    seconds_between_writes: float = Field(default=1.0, ge=0, le=10)


class GitHubPublisher:
    config_model = GitHubConfig

    def publish(self, config: BaseModel, request: PublishRequest) -> Published:
        assert isinstance(config, GitHubConfig)
        token = config.token("GitHub token")
        host = host_of(config.api_url)
        client = Github(
            auth=Auth.Token(token),
            base_url=config.api_url.rstrip("/"),
            timeout=max(1, round(config.timeout_s)),  # PyGithub takes whole seconds
            retry=GithubRetry(
                total=config.retries,
                backoff_factor=0.2,
                status_forcelist=[429, 500, 502, 503, 504],
                secondary_rate_wait=5,
            ),
            seconds_between_requests=None,
            seconds_between_writes=config.seconds_between_writes or None,
            lazy=True,
        )
        try:
            return self._publish(client, config, request, host)
        except GithubException as exc:
            message = exc.data.get("message") if isinstance(exc.data, dict) else None
            said = host_said(str(message or exc), token)
            raise PublishError(f"GitHub ({host}) answered {exc.status}: {said}") from None
        except OSError as exc:  # requests' connection errors are OSErrors
            raise PublishError(f"cannot reach GitHub at {host}: {type(exc).__name__}") from None
        finally:
            client.close()

    def _publish(
        self, client: Github, config: GitHubConfig, request: PublishRequest, host: str
    ) -> Published:
        report = request.report
        repo = client.get_repo(config.repository)
        done = []
        url = ""
        if config.statuses:
            commit = repo.get_commit(report.head.sha)
            for target in report.targets:
                commit.create_status(
                    state=_STATE[target.verdict],
                    description=target_summary(report, target.name),
                    context=status_context(report, target.name),
                    target_url=request.details_url or NotSet,
                )
            done.append(f"{len(report.targets)} commit statuses")
        if config.check_run:
            found = annotations_of(report)
            output = {"title": headline(report), "summary": request.markdown[:65_000]}
            first, rest = found[:ANNOTATIONS_PER_REQUEST], found[ANNOTATIONS_PER_REQUEST:]
            check = repo.create_check_run(
                name=config.check_name,
                head_sha=report.head.sha,
                status="completed",
                conclusion=_CONCLUSION[report.verdict],
                external_id=report.verification_id,
                output={**output, "annotations": [_annotation(a) for a in first]},
                details_url=request.details_url or NotSet,
            )
            for start in range(0, len(rest), ANNOTATIONS_PER_REQUEST):
                batch = rest[start : start + ANNOTATIONS_PER_REQUEST]
                check.edit(output={**output, "annotations": [_annotation(a) for a in batch]})
            url = check.html_url or ""
            done.append(f"a check run with {len(found)} annotation{'' if len(found) == 1 else 's'}")
        if config.comment and request.change_number:
            issue = repo.get_issue(request.change_number)
            body = comment_body(request)
            mine = next((c for c in issue.get_comments() if COMMENT_MARKER in (c.body or "")), None)
            if mine is None:
                mine = issue.create_comment(body)
                done.append(f"a comment on #{request.change_number}")
            else:
                mine.edit(body)
                done.append(f"the comment on #{request.change_number}, updated")
            url = url or mine.html_url or ""
        return Published(host=host, detail=", ".join(done) or "nothing asked", url=url)


def _annotation(found: Annotation) -> dict[str, str | int]:
    return {
        "path": found.path,
        "start_line": found.line,
        "end_line": found.line,
        "annotation_level": found.level,
        "title": found.title[:255],
        "message": found.message,
    }
