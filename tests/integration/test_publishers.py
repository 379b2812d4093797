"""Each publisher against a local server that speaks its host's documented REST paths:
the exact payloads, the comment updated in place, annotations in batches of 50, retries
on 502 and on 429 with Retry-After, and one clear line (never the token) on failure."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from githosts import FakeHost, Received, serving
from history import History, Scenario

from otv.publishing import COMMENT_MARKER, PublisherRegistry, PublishError, PublishRequest
from otv.report import Report
from otv.repositories import PublisherConfig
from services.reporter.renderers import render
from services.reporter.report import build_report
from services.reporter.state import fold

TOKEN = "ghp_canary0123456789abcdefTOKEN"
REPO = "/repos/acme/deploy"
PROJECT = "/api/v4/projects/acme%2Fdeploy"
SHA = "f" * 40


def report_with(locations: int) -> Report:
    history = History(
        targets={
            "main": [Scenario("mergeable", "blocking")],
            "release/1.0": [
                Scenario("mergeable", "blocking"),
                Scenario(
                    "manifests",
                    "blocking",
                    "failed",
                    message="invalid manifests",
                    locations=tuple((f"deploy/m{n}.yaml", n + 1) for n in range(locations)),
                ),
            ],
        }
    )
    state = None
    for event in history.events():
        state = fold(state, event)  # type: ignore[arg-type]
    assert state is not None
    return build_report(state)


def request(report: Report, change: int = 0) -> PublishRequest:
    return PublishRequest(report=report, markdown=render(report, "markdown"), change_number=change)


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture
def github() -> Iterator[FakeHost]:
    host = FakeHost()

    def created(body: dict[str, object]) -> tuple[int, object, dict[str, str]]:
        return 201, body, {}

    host.route("POST", REPO + r"/statuses/(\w+)", lambda r, m: created({"id": 1}))
    host.route(
        "POST",
        REPO + "/check-runs",
        lambda r, m: created(
            {
                "id": 7,
                "url": f"{host.url}{REPO}/check-runs/7",
                "html_url": "https://github.com/acme/deploy/runs/7",
            }
        ),
    )
    host.route("PATCH", REPO + "/check-runs/7", lambda r, m: (200, {"id": 7}, {}))
    host.route("GET", REPO + r"/issues/5/comments", lambda r, m: (200, [], {}))
    host.route(
        "POST",
        REPO + r"/issues/5/comments",
        lambda r, m: created(
            {"id": 99, "body": r.body["body"], "html_url": "https://github.com/c/99"}
        ),
    )
    with serving(host):
        yield host


def publish(config: dict[str, object], report: Report, change: int = 0) -> str:
    registry = PublisherRegistry.from_entry_points()
    publisher, fields = registry.resolve(PublisherConfig.model_validate(config))
    return publisher.publish(fields, request(report, change)).detail


def github_config(host: FakeHost, token_file: Path, **extra: object) -> dict[str, object]:
    return {
        "type": "github",
        "repository": "acme/deploy",
        "api_url": host.url,
        "token_file": str(token_file),
        "seconds_between_writes": 0,
        **extra,
    }


def test_github_statuses_check_run_in_batches_of_50_and_one_comment(
    github: FakeHost, token_file: Path
) -> None:
    report = report_with(locations=120)
    detail = publish(github_config(github, token_file), report, change=5)
    assert detail == "2 commit statuses, a check run with 120 annotations, a comment on #5"
    statuses = github.sent("POST", REPO + f"/statuses/{SHA}")
    assert [s.body for s in statuses] == [
        {
            "state": "success",
            "description": "passed: 1 scenario",
            "context": "otv/default (main)",
        },
        {
            "state": "failure",
            "description": "failed: 2 scenarios, not passed: manifests",
            "context": "otv/default (release/1.0)",
        },
    ]
    (created,) = github.sent("POST", REPO + "/check-runs")
    assert created.body["name"] == "otv" and created.body["head_sha"] == SHA
    assert created.body["status"] == "completed" and created.body["conclusion"] == "failure"
    assert created.body["external_id"] == report.verification_id
    assert created.body["output"]["title"] == "otv default: failed — a blocking scenario failed"
    first = created.body["output"]["annotations"]
    assert first[0] == {
        "path": "deploy/m0.yaml",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "failure",
        "title": "manifests on release/1.0",
        "message": "invalid manifests",
    }
    batches = [len(first)] + [
        len(p.body["output"]["annotations"]) for p in github.sent("PATCH", REPO + "/check-runs/7")
    ]
    assert batches == [50, 50, 20]
    (comment,) = github.sent("POST", REPO + "/issues/5/comments")
    assert comment.body["body"].startswith(COMMENT_MARKER + "\n## otv verification")
    # The token goes in the Authorization header, and only there.
    assert all(r.headers["authorization"] == f"token {TOKEN}" for r in github.received)


def test_github_updates_its_comment_in_place(github: FakeHost, token_file: Path) -> None:
    def ours(received: Received, _: object) -> tuple[int, object, dict[str, str]]:
        return 200, [
            {"id": 12, "body": "someone else's comment"},
            {"id": 99, "body": f"{COMMENT_MARKER}\nan older report",
             "url": f"{github.url}{REPO}/issues/comments/99"},
        ], {}  # fmt: skip

    github.routes.insert(0, ("GET", __import__("re").compile(f"^{REPO}/issues/5/comments$"), ours))
    github.route(
        "PATCH", REPO + "/issues/comments/99", lambda r, m: (200, {"id": 99, **r.body}, {})
    )
    config = github_config(github, token_file, statuses=False, check_run=False)
    detail = publish(config, report_with(locations=1), change=5)
    assert detail == "the comment on #5, updated"
    assert not github.sent("POST", REPO + "/issues/5/comments")
    (edited,) = github.sent("PATCH", REPO + "/issues/comments/99")
    assert edited.body["body"].startswith(COMMENT_MARKER)


def test_github_retries_a_502_and_a_429_after_its_retry_after(
    github: FakeHost, token_file: Path
) -> None:
    github.failures = [(502, {"message": "bad gateway"}, {}),
                       (429, {"message": "slow down"}, {"Retry-After": "1"})]  # fmt: skip
    started = time.monotonic()
    config = github_config(github, token_file, check_run=False, comment=False)
    assert publish(config, report_with(locations=0)) == "2 commit statuses"
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert len(github.sent("POST", REPO + f"/statuses/{SHA}")) == 4  # 2 refused, then 2


@pytest.fixture
def gitlab() -> Iterator[FakeHost]:
    host = FakeHost()
    host.route("POST", PROJECT + r"/statuses/(\w+)", lambda r, m: (201, {"id": 1}, {}))
    host.route("GET", PROJECT + r"/merge_requests/3/notes", lambda r, m: (200, [], {}))
    host.route("POST", PROJECT + r"/merge_requests/3/notes", lambda r, m: (201, {"id": 41}, {}))
    with serving(host):
        yield host


def gitlab_config(host: FakeHost, token_file: Path) -> dict[str, object]:
    return {"type": "gitlab", "project": "acme/deploy", "url": host.url,
            "token_file": str(token_file)}  # fmt: skip


def test_gitlab_statuses_and_one_note_updated_in_place(gitlab: FakeHost, token_file: Path) -> None:
    report = report_with(locations=0)
    gitlab.failures = [(429, {"message": "slow"}, {"Retry-After": "1"}), (502, {}, {})]
    detail = publish(gitlab_config(gitlab, token_file), report, change=3)
    assert detail == "2 commit statuses, a note on !3"
    statuses = [r.body for r in gitlab.sent("POST", PROJECT + f"/statuses/{SHA}")]
    assert statuses[-2:] == [
        {"state": "success", "name": "otv/default (main)", "description": "passed: 1 scenario"},
        {
            "state": "failed",
            "name": "otv/default (release/1.0)",
            "description": "failed: 2 scenarios, not passed: manifests",
        },
    ]
    assert len(statuses) == 4  # the 429 and the 502 were retried
    (note,) = gitlab.sent("POST", PROJECT + "/merge_requests/3/notes")
    assert note.body["body"].startswith(COMMENT_MARKER)
    assert all(r.headers["private-token"] == TOKEN for r in gitlab.received)
    # The next run finds its note and updates it.
    gitlab.routes.insert(
        0,
        ("GET", __import__("re").compile(f"^{PROJECT}/merge_requests/3/notes$"),
         lambda r, m: (200, [{"id": 41, "body": note.body["body"]}], {})),
    )  # fmt: skip
    gitlab.route("PUT", PROJECT + r"/merge_requests/3/notes/41", lambda r, m: (200, {"id": 41}, {}))
    assert publish(gitlab_config(gitlab, token_file), report, change=3).endswith(
        "the note on !3, updated"
    )
    assert len(gitlab.sent("POST", PROJECT + "/merge_requests/3/notes")) == 1


def test_gitea_statuses_with_retries(token_file: Path) -> None:
    host = FakeHost()
    host.route("POST", r"/api/v1/repos/acme/deploy/statuses/(\w+)", lambda r, m: (201, {}, {}))
    host.failures = [(503, {}, {"Retry-After": "1"})]
    with serving(host):
        detail = publish(
            {"type": "gitea", "repository": "acme/deploy", "url": host.url,
             "token_file": str(token_file)},
            report_with(locations=0),
        )  # fmt: skip
    assert detail == "2 commit statuses"
    bodies = [r.body for r in host.sent("POST", f"/api/v1/repos/acme/deploy/statuses/{SHA}")]
    assert bodies[-1] == {
        "state": "failure",
        "context": "otv/default (release/1.0)",
        "description": "failed: 2 scenarios, not passed: manifests",
    }
    assert host.received[0].headers["authorization"] == f"token {TOKEN}"


@pytest.mark.parametrize("kind", ["github", "gitlab", "gitea"])
def test_a_host_that_keeps_failing_is_one_clear_line_without_the_token(
    kind: str, token_file: Path
) -> None:
    host = FakeHost()
    host.failures = [(500, {"message": f"boom {TOKEN}"}, {})] * 30
    with serving(host):
        config: dict[str, object] = {"type": kind, "token_file": str(token_file), "retries": 1}
        if kind == "github":
            config |= {"repository": "acme/deploy", "api_url": host.url,
                       "seconds_between_writes": 0, "check_run": False, "comment": False}  # fmt: skip
        elif kind == "gitlab":
            config |= {"project": "acme/deploy", "url": host.url}
        else:
            config |= {"repository": "acme/deploy", "url": host.url}
        with pytest.raises(PublishError) as failed:
            publish(config, report_with(locations=0))
    message = failed.value.message
    assert "\n" not in message and "127.0.0.1" in message
    assert TOKEN not in message


def test_a_publisher_config_with_a_typo_is_refused_by_name() -> None:
    registry = PublisherRegistry.from_entry_points()
    assert registry.names() == ["gitea", "github", "gitlab"]
    with pytest.raises(Exception, match="unknown publisher 'githib'"):
        registry.resolve(PublisherConfig.model_validate({"type": "githib"}))
    with pytest.raises(Exception, match="publisher github: repository: Field required"):
        registry.resolve(PublisherConfig.model_validate({"type": "github", "repositry": "x/y"}))
