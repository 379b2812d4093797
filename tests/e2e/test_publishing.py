"""Publishing through the running stack: a verification's outcome reaches the git hosts
its repository names; a host that fails is shown in the report and counted, and the
verdict stays what the scenarios said."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.request
from pathlib import Path

import yaml
from githosts import FakeHost, serving
from support import profiles_yaml, two_target_repository

from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.publishing import COMMENT_MARKER
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

REPO = "/repos/acme/deploy"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_an_outcome_is_published_and_a_failing_host_is_shown_not_fatal(
    settings: Settings, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    token = tmp_path / "token"
    token.write_text("ghp_e2e_token_value\n")
    github = FakeHost()
    github.route("POST", REPO + r"/statuses/(\w+)", lambda r, m: (201, {"id": 1}, {}))
    github.route(
        "POST",
        REPO + "/check-runs",
        lambda r, m: (201, {"id": 7, "html_url": "https://github.com/acme/deploy/runs/7"}, {}),
    )
    github.route("GET", REPO + r"/issues/8/comments", lambda r, m: (200, [], {}))
    github.route("POST", REPO + r"/issues/8/comments", lambda r, m: (201, {"id": 1}, {}))
    with serving(github):
        repositories = tmp_path / "repositories.yaml"
        repositories.write_text(
            yaml.safe_dump(
                {
                    "version": 1,
                    "repositories": [
                        {
                            "url": str(repo.path),
                            "publishers": [
                                {"type": "github", "repository": "acme/deploy",
                                 "api_url": github.url, "token_file": str(token),
                                 "seconds_between_writes": 0},
                                {"type": "gitea", "repository": "acme/deploy",
                                 "url": f"http://127.0.0.1:{closed_port()}",
                                 "token_file": str(token), "retries": 0},
                            ],
                        }
                    ],
                }
            )
        )  # fmt: skip
        configured = settings.model_copy(update={"repositories_file": repositories})
        async with EmbeddedStack(configured, store_dir=tmp_path / "store", health_port=0) as stack:
            bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
            try:
                client = VerificationClient(bus, stack.admin_key)
                request = pb.VerificationRequest(
                    repository=str(repo.path),
                    head="feature",
                    targets=["main", "release/1.0"],
                    profile="default",
                    profiles_document=profiles_yaml().encode(),
                    profiles_document_name="profiles.yaml",
                    change_number=8,
                )
                done = await client.verify(request, "pub1", "c1", 60)
                report = {}
                for _ in range(100):
                    report = json.loads(await client.report("pub1"))
                    if report["publishing"]:
                        break
                    await asyncio.sleep(0.1)
                markdown = (await client.report("pub1", "markdown")).decode()
            finally:
                await bus.close()
            metrics_url = stack.health_urls["reporter"] + "/metrics"
            page = await asyncio.to_thread(
                lambda: urllib.request.urlopen(metrics_url, timeout=5).read().decode()  # noqa: S310
            )
    assert done.verdict is not None and report["verdict"] == done.verdict.value == "warned"
    outcomes = {p["publisher"]: p for p in report["publishing"]}
    assert outcomes["github"]["ok"] is True
    assert outcomes["github"]["detail"] == (
        "2 commit statuses, a check run with 1 annotation, a comment on #8"
    )
    (check,) = github.sent("POST", REPO + "/check-runs")
    # The conflict on release/1.0 is annotated where it is.
    assert [a["path"] for a in check.body["output"]["annotations"]] == ["app.txt"]
    assert check.body["conclusion"] == "neutral"  # warned: nothing blocks the merge
    assert outcomes["github"]["url"] == "https://github.com/acme/deploy/runs/7"
    assert outcomes["gitea"]["ok"] is False
    assert "cannot reach Gitea" in outcomes["gitea"]["detail"]
    assert {p["round"] for p in report["publishing"]} == {"completed"}
    contexts = [r.body["context"] for r in github.sent("POST", REPO + r"/statuses/\w+")]
    assert contexts == ["otv/default (main)", "otv/default (release/1.0)"]
    (comment,) = github.sent("POST", REPO + "/issues/8/comments")
    assert comment.body["body"].startswith(COMMENT_MARKER)
    assert "Publishing to `127.0.0.1` (gitea) failed" in markdown
    assert (
        'otv_git_host_publish_total{host="127.0.0.1",outcome="ok",publisher="github"} 1.0' in page
    )
    assert 'outcome="failed",publisher="gitea"} 1.0' in page
    assert "ghp_e2e_token_value" not in json.dumps(report) + markdown
